import { IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsNumber, IsString, Matches, Max, Min } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { ID_PATTERN, IsDeviceId } from '../validation/rules';

// What the analytics endpoints answer. The services return these classes, and the OpenAPI document's
// schemas are generated from their decorators, which validate nothing here: they only describe.

/** Reasons not to trust a vehicle's ratio, for someone to look at the readings behind it. */
export const DATA_QUALITY_FLAGS = [
  'dc-exceeds-ac',
  'shared-meter',
  'incomplete-ac',
  'incomplete-dc',
  'no-session',
] as const;
export type DataQualityFlag = (typeof DATA_QUALITY_FLAGS)[number];

/** Whose fault low figures likely are, when comparing vehicles and chargers can tell. */
export const SUSPECTS = ['charger', 'vehicle'] as const;
export type Suspect = (typeof SUSPECTS)[number];

const COVERAGE =
  'readings that arrived over the periods counted, against those expected (one per reporting interval: the ' +
  "device's `reportingIntervalSeconds`, else `READING_INTERVAL_SECONDS`: one per whole interval of each period, one " +
  'less for a period ending less than an interval ago, whose newest reading may be on its way), ' +
  'at most 1, to 3 decimals; null without any period.';
const DATA_QUALITY =
  'Reasons not to trust the ratio; empty when the figures are plausible. `dc-exceeds-ac`: more DC was delivered ' +
  'than AC drawn over the same periods (a ratio above 1, or DC without any AC), which no charger can do: ' +
  'readings are missing or wrong. `shared-meter`: the `meterId` asked about fed other vehicles in the window and ' +
  'this one by none of its sessions, so none of its AC is counted as this vehicle’s. `incomplete-ac` / ' +
  '`incomplete-dc`: that side’s coverage is below `MIN_COVERAGE`, so lost readings may explain the ratio. ' +
  '`no-session`: the vehicle took DC in the window but had no charging session, so there is no AC to compare with.';

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

  @IsNumber() @Min(0) @Max(1) @Nullable(`AC side: the attributed meters' ${COVERAGE}`) coverageAc: number | null;
  @IsNumber() @Min(0) @Max(1) @Nullable(`DC side: the vehicle's ${COVERAGE}`) coverageDc: number | null;

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

  @IsIn(DATA_QUALITY_FLAGS, { each: true }) @described(DATA_QUALITY) dataQuality: DataQualityFlag[];
}

/** How a suspect is named, for the documents of every answer that names one. */
export const SUSPECT_RULE =
  'A pair is one vehicle’s sessions on one meter; its figures are complete when both coverages reach ' +
  '`MIN_COVERAGE` and DC does not exceed AC. A charger is suspected when at least two vehicles charged on it with ' +
  'complete figures, all below the threshold there, and one of them is at or above it on another meter; a ' +
  'vehicle, when it is below the threshold on each of at least two meters and another vehicle is at or above ' +
  'it on one of them.';

@described(`VehiclePerformance, with the likely culprit of low figures. ${SUSPECT_RULE}`)
export class FleetVehicle extends VehiclePerformance {
  @IsIn(SUSPECTS)
  @Nullable(
    '`vehicle` when the vehicle is suspected; else `charger` when it is flagged and each of its low pairs is on ' +
      'a suspected charger; null when the evidence names nobody.',
  )
  suspect: Suspect | null;

  @IsString() @Nullable('The evidence, in a sentence; null without a suspect.') suspectReason: string | null;
}

export class FleetEfficiencyPage {
  @IsISO8601() periodStart: string;
  @IsISO8601() periodEnd: string;
  @IsNumber() @Min(0) @Max(1) threshold: number;
  @IsNumber()
  @Min(0)
  @Max(1)
  @described('`MIN_COVERAGE`: the coverage below which figures are incomplete.')
  minCoverage: number;
  @ArrayOf(FleetVehicle, 'Lowest ratio first (no ratio last), then by vehicle id.')
  vehicles: FleetVehicle[];
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}
