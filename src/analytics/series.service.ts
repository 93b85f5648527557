import { NotFoundError } from '../errors/problem';
import { invalidQuery } from '../validation/validate-request';
import type { SeriesBucket, SeriesQuery } from './series.dto';
import type { SeriesDevice, SeriesRepository, SeriesRow } from './series.repository';
import type { MeterSeries, MeterSeriesPoint, VehicleSeries, VehicleSeriesPoint } from './series.responses';

const SIZES: Record<SeriesBucket, string> = { '1m': '1 minute', '15m': '15 minutes', '1h': '1 hour', '1d': '1 day' };

const number = (value: unknown) => (value === null ? null : Number(value));

/** Start and end as instants, every other column as a number or null (bigint and numeric come as text). */
function toPoint<T>(row: SeriesRow): T {
  const point: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    point[key] = value instanceof Date ? value.toISOString() : number(value);
  }
  return point as T;
}

export class SeriesService {
  constructor(private readonly repository: SeriesRepository) {}

  vehicleSeries(vehicleId: string, query: SeriesQuery): Promise<VehicleSeries> {
    return this.series('vehicle', vehicleId, query).then((points) => ({
      vehicleId,
      ...this.period(query),
      points: points.map((row) => toPoint<VehicleSeriesPoint>(row)),
    }));
  }

  meterSeries(meterId: string, query: SeriesQuery): Promise<MeterSeries> {
    return this.series('meter', meterId, query).then((points) => ({
      meterId,
      ...this.period(query),
      points: points.map((row) => toPoint<MeterSeriesPoint>(row)),
    }));
  }

  private period({ window, bucket, tz }: SeriesQuery) {
    return { periodStart: window.from.toISOString(), periodEnd: window.to.toISOString(), bucket, tz };
  }

  private async series(device: SeriesDevice, id: string, { window, bucket, tz }: SeriesQuery): Promise<SeriesRow[]> {
    // JavaScript and PostgreSQL ship their own copies of the zone database; a name only one of them
    // knows would pass validation and then fail, or be read as a POSIX offset, in the statement.
    if (!(await this.repository.knowsZone(tz))) {
      const message = `tz ${tz} is not a time zone the database knows`;
      throw invalidQuery('tz', message);
    }
    // Days follow the zone's calendar; shorter buckets are aligned on UTC, as the hourly rollups are.
    const rows = await this.repository.points(device, id, window, SIZES[bucket], bucket === '1d' ? tz : 'UTC');
    if (rows.length === 0 && !(await this.repository.seen(device, id))) {
      throw new NotFoundError(`${device === 'vehicle' ? 'Vehicle' : 'Meter'} ${id} has never reported.`);
    }
    return rows;
  }
}
