import { IsISO8601, IsObject, IsString, IsUUID } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { MeterReadingDto, VehicleReadingDto } from '../ingestion/ingestion.public';
import { ArrayOf, described, modelRef, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';

// A live status is the device's newest accepted reading and when its row was written, so a field added
// to a reading is part of the status and of its schema in the OpenAPI document.

const writtenAt = described('When the live row was last written.');

@described("The meter's newest reading.")
export class MeterStatus extends MeterReadingDto {
  @IsISO8601() @writtenAt updatedAt: string;
}

@described("The vehicle's newest reading.")
export class VehicleStatus extends VehicleReadingDto {
  @IsISO8601() @writtenAt updatedAt: string;
}

@described('The charging session a vehicle is in now: started, and not ended (or ending later).')
export class CurrentSession {
  @IsUUID() id: string;
  @IsDeviceId() @described('The meter in front of the charger.') meterId: string;
  @IsISO8601() startedAt: string;
}

@described("A vehicle's newest reading, and the session it is charging in now.")
export class VehicleListEntry extends VehicleStatus {
  @IsObject()
  @JSONSchema(() => ({
    anyOf: [modelRef(CurrentSession), { type: 'null' }],
    description: 'null when not charging now.',
  }))
  currentSession: CurrentSession | null;
}

const nextCursor = Nullable('Pass as `cursor` for the next page; null on the last one.');

export class MeterStatusPage {
  @ArrayOf(MeterStatus, 'In meter id order.') meters: MeterStatus[];
  @IsString() @nextCursor nextCursor: string | null;
}

export class VehicleStatusPage {
  @ArrayOf(VehicleListEntry, 'In vehicle id order.') vehicles: VehicleListEntry[];
  @IsString() @nextCursor nextCursor: string | null;
}
