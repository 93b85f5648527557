import { IsISO8601, IsString } from 'class-validator';
import { MeterReadingDto, VehicleReadingDto } from '../ingestion/ingestion.public';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';

// An exported reading has the shape it was posted in, so the schema of a reading is the schema of the
// export; timestamps come as the database stores them, in UTC to the microsecond.

const OLDEST_FIRST = 'Oldest first; `timestamp` in UTC to the microsecond, e.g. `2026-12-01T10:00:00.000000Z`.';

abstract class ReadingsPage {
  @IsISO8601() @described('Window start, excluded.') periodStart: string;
  @IsISO8601() @described('Window end, included.') periodEnd: string;
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}

@described("One page of a vehicle's stored readings in the window (`from` < timestamp <= `to`).")
export class VehicleReadingsPage extends ReadingsPage {
  @IsDeviceId() vehicleId: string;
  @ArrayOf(VehicleReadingDto, OLDEST_FIRST) readings: VehicleReadingDto[];
}

@described("One page of a meter's stored readings in the window (`from` < timestamp <= `to`).")
export class MeterReadingsPage extends ReadingsPage {
  @IsDeviceId() meterId: string;
  @ArrayOf(MeterReadingDto, OLDEST_FIRST) readings: MeterReadingDto[];
}
