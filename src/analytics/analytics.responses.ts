import { IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsString, Matches, Max, Min } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { ID_PATTERN, IsDeviceId } from '../validation/rules';

// What the analytics endpoints answer. The services return these classes, and the OpenAPI document's
// schemas are generated from their decorators, which validate nothing here: they only describe.

/** Reasons not to trust a vehicle's ratio, for someone to look at the readings behind it. */
export const DATA_QUALITY_FLAGS = ['dc-exceeds-ac', 'shared-meter'] as const;
export type DataQualityFlag = (typeof DATA_QUALITY_FLAGS)[number];

@described(
  'DC delivered to a vehicle against the AC its chargers drew, over the window (`from` < reading time <= `to`). ' +
    'A reading counts for a session when `startedAt` < reading time <= `endedAt` (no end: ongoing).',
)
export class VehiclePerformance {
  @IsDeviceId() vehicleId: string;
  @IsISO8601() periodStart: string;
  @IsISO8601() periodEnd: string;

  @IsNumber()
  @Min(0)
  @described(
    "AC drawn: with `meterId`, that meter's readings in the window; otherwise each session's meter inside (session ∩ window).",
  )
  totalKwhConsumedAc: number;

  @IsNumber()
  @Min(0)
  @described(
    "DC delivered over the same periods as the AC: the vehicle's readings inside its sessions (∩ window), or with `meterId` in the whole window.",
  )
  totalKwhDeliveredDc: number;

  @IsNumber()
  @Min(0)
  @described("The vehicle's DC in the window outside its sessions; never part of the ratio. 0 with `meterId`.")
  kwhDeliveredDcOutsideSessions: number;

  @IsNumber()
  @Min(0)
  @Nullable('totalKwhDeliveredDc / totalKwhConsumedAc to 3 decimals; null when no AC was attributed.')
  efficiencyRatio: number | null;

  @IsNumber() @Nullable("°C, over the vehicle's readings in the window; null without any.") averageBatteryTemp:
    number | null;
  @IsInt() @Min(0) @described("The vehicle's readings in the window, inside its sessions or not.") recordCount: number;
  @IsArray()
  @Matches(ID_PATTERN, { each: true })
  @described('The meters the AC side was read from.')
  meterIds: string[];

  @IsBoolean()
  @described('efficiencyRatio below the threshold; never set when `dataQuality` flags the figures.')
  lowEfficiency: boolean;

  @IsIn(DATA_QUALITY_FLAGS, { each: true })
  @described(
    'Reasons not to trust the ratio; empty when the figures are plausible. `dc-exceeds-ac`: more DC was delivered ' +
      'than AC drawn over the same periods (a ratio above 1, or DC without any AC), which no charger can do: ' +
      'readings are missing or wrong. `shared-meter`: the `meterId` asked about fed other vehicles in the window and ' +
      'this one by none of its sessions, so none of its AC is counted as this vehicle’s.',
  )
  dataQuality: DataQualityFlag[];
}

export class FleetEfficiencyPage {
  @IsISO8601() periodStart: string;
  @IsISO8601() periodEnd: string;
  @IsNumber() @Min(0) @Max(1) threshold: number;
  @ArrayOf(VehiclePerformance, 'Lowest ratio first (no ratio last), then by vehicle id.')
  vehicles: VehiclePerformance[];
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}
