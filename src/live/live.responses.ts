import { IsISO8601 } from 'class-validator';
import { MeterReadingDto, VehicleReadingDto } from '../ingestion/ingestion.dto';
import { described } from '../openapi/openapi.schemas';

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
