import { IsIn, IsISO8601, IsNumber, IsString, Min } from 'class-validator';
import { REGISTER_EVENTS } from '../ingestion/ingestion.public';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';

// An exported reading has the fields it was posted with, its interval energy always present: as sent,
// or derived from the register it carried, beside that register and what the derivation met.
// Timestamps come as the database stores them, in UTC to the microsecond.

const INTERVAL_ENERGY =
  'kWh over the interval ending at `timestamp`: as sent, or, for a register reading, the increase over the ' +
  "device's previous register reading (docs/registers.md).";
const REGISTER = 'The cumulative register the reading carried; null for a reading sent with interval energy only.';
const EVENT =
  'What deriving the interval met, if anything but a rise: `dip` (held), `reset`, `replaced`, `rollover`, ' +
  '`quarantined` (faster than `MAX_POWER_KW`); null otherwise.';

@described('A stored meter reading.')
export class ExportedMeterReading {
  @IsDeviceId() meterId: string;
  @IsISO8601() timestamp: string;
  @IsNumber() @Min(0) @described(INTERVAL_ENERGY) kwhConsumedAc: number;
  @IsNumber() @Min(0) @Nullable(REGISTER) kwhRegisterAc: number | null;
  @IsIn(REGISTER_EVENTS) @Nullable(EVENT) registerEvent: string | null;
  @IsNumber() voltage: number;
}

@described('A stored vehicle reading.')
export class ExportedVehicleReading {
  @IsDeviceId() vehicleId: string;
  @IsISO8601() timestamp: string;
  @IsNumber() soc: number;
  @IsNumber() @Min(0) @described(INTERVAL_ENERGY) kwhDeliveredDc: number;
  @IsNumber() @Min(0) @Nullable(REGISTER) kwhRegisterDc: number | null;
  @IsIn(REGISTER_EVENTS) @Nullable(EVENT) registerEvent: string | null;
  @IsNumber() batteryTemp: number;
}

const OLDEST_FIRST = 'Oldest first; `timestamp` in UTC to the microsecond, e.g. `2026-12-01T10:00:00.000000Z`.';

abstract class ReadingsPage {
  @IsISO8601() @described('Window start, excluded.') periodStart: string;
  @IsISO8601() @described('Window end, included.') periodEnd: string;
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}

@described("One page of a vehicle's stored readings in the window (`from` < timestamp <= `to`).")
export class VehicleReadingsPage extends ReadingsPage {
  @IsDeviceId() vehicleId: string;
  @ArrayOf(ExportedVehicleReading, OLDEST_FIRST) readings: ExportedVehicleReading[];
}

@described("One page of a meter's stored readings in the window (`from` < timestamp <= `to`).")
export class MeterReadingsPage extends ReadingsPage {
  @IsDeviceId() meterId: string;
  @ArrayOf(ExportedMeterReading, OLDEST_FIRST) readings: ExportedMeterReading[];
}
