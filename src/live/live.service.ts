import { NotFoundError } from '../errors/problem';
import type { LiveRepository } from './live.repository';
import type { MeterStatus, VehicleStatus } from './live.responses';

type Status<Row> = Omit<Row, 'ts' | 'updatedAt'> & { timestamp: string; updatedAt: string };

/** The live row as the API shows it; measured fields pass through, so a new one needs no change here. */
function status<Row extends { ts: Date; updatedAt: Date }>({ ts, updatedAt, ...measured }: Row): Status<Row> {
  return { ...measured, timestamp: ts.toISOString(), updatedAt: updatedAt.toISOString() };
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
}
