import { NotFoundError } from '../errors/problem';
import type { DeviceListQuery } from './live.dto';
import type { LiveRepository } from './live.repository';
import type { MeterStatus, MeterStatusPage, VehicleStatus, VehicleStatusPage } from './live.responses';

type Status<Row> = Omit<Row, 'ts' | 'updatedAt'> & { timestamp: string; updatedAt: string };

/** The live row as the API shows it; measured fields pass through, so a new one needs no change here. */
function status<Row extends { ts: Date; updatedAt: Date }>({ ts, updatedAt, ...measured }: Row): Status<Row> {
  return { ...measured, timestamp: ts.toISOString(), updatedAt: updatedAt.toISOString() };
}

/** The page the repository's one-row-longer list holds, and the id to go on after, if more follow. */
export function paged<Row>(
  rows: Row[],
  limit: number,
  idOf: (row: Row) => string,
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? idOf(page[page.length - 1]) : null };
}

export class LiveService {
  constructor(private readonly repository: LiveRepository) {}

  async meterStatus(meterId: string): Promise<MeterStatus> {
    const row = await this.repository.findMeter(meterId);
    if (!row) throw new NotFoundError(`Meter ${meterId} has never reported.`);
    return status(row);
  }

  async vehicleStatus(vehicleId: string): Promise<VehicleStatus> {
    const row = await this.repository.findVehicle(vehicleId);
    if (!row) throw new NotFoundError(`Vehicle ${vehicleId} has never reported.`);
    return status(row);
  }

  async meterStatuses(query: DeviceListQuery): Promise<MeterStatusPage> {
    const { page, nextCursor } = paged(await this.repository.listMeters(query), query.limit, (row) => row.meterId);
    return { meters: page.map(status), nextCursor };
  }

  async vehicleStatuses(query: DeviceListQuery, now: Date): Promise<VehicleStatusPage> {
    const rows = await this.repository.listVehicles(query);
    const { page, nextCursor } = paged(rows, query.limit, (row) => row.vehicleId);
    const sessions = await this.repository.sessionsAt(
      page.map((row) => row.vehicleId),
      now,
    );
    const byVehicle = new Map(sessions.map((session) => [session.vehicleId, session]));
    const vehicles = page.map((row) => {
      const session = byVehicle.get(row.vehicleId);
      const currentSession = session
        ? { id: session.id, meterId: session.meterId, startedAt: session.startedAt.toISOString() }
        : null;
      return { ...status(row), currentSession };
    });
    return { vehicles, nextCursor };
  }
}
