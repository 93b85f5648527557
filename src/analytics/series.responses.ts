import { IsIn, IsInt, IsISO8601, IsNumber, IsString, Max, Min } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { SERIES_BUCKETS, type SeriesBucket } from './series.dto';

// What the series endpoints answer; like analytics.responses.ts, the decorators only describe.

const AVG = 'Mean over the readings, to 3 decimals; null when the bucket has none.';
const EXTREME = 'Over the readings; null when the bucket has none.';
const COVERAGE =
  'readings in the bucket against those owed (one per whole reporting interval, one less for a span ending less ' +
  'than an interval ago), at most 1, to 3 decimals';

abstract class SeriesPoint {
  @IsISO8601() @described('Bucket start, excluded: a reading at `start` belongs to the bucket before.') start: string;
  @IsISO8601() @described('Bucket end, included. A 1d bucket is a calendar day in `tz`.') end: string;
  @IsInt() @Min(0) @described('Readings in the bucket and the window.') readings: number;
  @IsNumber() @Min(0) @described('Energy the readings carry, summed exactly to 6 decimals.') kwh: number;
}

@described("A vehicle's bucket: `kwh` is the DC it reported, inside sessions or not.")
export class VehicleSeriesPoint extends SeriesPoint {
  @IsNumber() @Nullable(AVG) socAvg: number | null;
  @IsNumber() @Nullable(EXTREME) socMin: number | null;
  @IsNumber() @Nullable(EXTREME) socMax: number | null;
  @IsNumber() @Nullable(AVG) batteryTempAvg: number | null;
  @IsNumber() @Nullable(EXTREME) batteryTempMin: number | null;
  @IsNumber() @Nullable(EXTREME) batteryTempMax: number | null;

  @IsNumber()
  @Min(0)
  @described("AC the meters of the vehicle's sessions counted inside them, in the bucket.")
  kwhConsumedAc: number;

  @IsNumber()
  @Min(0)
  @Nullable('The DC reported inside sessions in the bucket / `kwhConsumedAc`, to 3 decimals; null without AC.')
  efficiencyRatio: number | null;

  @IsNumber()
  @Min(0)
  @Max(1)
  @Nullable(`The meters' ${COVERAGE}, over the session time in the bucket; null without any.`)
  coverageAc: number | null;

  @IsNumber()
  @Min(0)
  @Max(1)
  @Nullable(`The vehicle's ${COVERAGE}, over the session time in the bucket; null without any.`)
  coverageDc: number | null;
}

@described("A meter's bucket: `kwh` is the AC it counted.")
export class MeterSeriesPoint extends SeriesPoint {
  @IsNumber() @Nullable(AVG) voltageAvg: number | null;
  @IsNumber() @Nullable(EXTREME) voltageMin: number | null;
  @IsNumber() @Nullable(EXTREME) voltageMax: number | null;
  @IsNumber() @Min(0) @Max(1) @described(`The meter's ${COVERAGE}, over the bucket ∩ window.`) coverage: number;
}

abstract class Series {
  @IsISO8601() periodStart: string;
  @IsISO8601() periodEnd: string;
  @IsIn(SERIES_BUCKETS) bucket: SeriesBucket;
  @IsString() @described('The zone of the calendar days.') tz: string;
}

@described('Buckets with readings (or session AC), oldest first; a bucket without any is left out.')
export class VehicleSeries extends Series {
  @IsDeviceId() vehicleId: string;
  @ArrayOf(VehicleSeriesPoint, 'Oldest first; empty buckets are left out.') points: VehicleSeriesPoint[];
}

@described('Buckets with readings, oldest first; a bucket without any is left out.')
export class MeterSeries extends Series {
  @IsDeviceId() meterId: string;
  @ArrayOf(MeterSeriesPoint, 'Oldest first; empty buckets are left out.') points: MeterSeriesPoint[];
}
