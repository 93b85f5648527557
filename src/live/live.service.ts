import { NotFoundError } from '../errors/problem';
import type { LiveRepository } from './live.repository';
import type { MeterStatus, VehicleStatus } from './live.responses';

export class LiveService {
  constructor(private readonly repository: LiveRepository) {}

  async meterStatus(meterId: string): Promise<MeterStatus> {
    const row = await this.repository.findMeter(meterId);
    if (!row) throw new NotFoundError(`Meter ${meterId} has never reported.`);
    const { kwhConsumedAc, voltage, ts, updatedAt } = row;
    return { meterId, kwhConsumedAc, voltage, timestamp: ts.toISOString(), updatedAt: updatedAt.toISOString() };
  }

  async vehicleStatus(vehicleId: string): Promise<VehicleStatus> {
    const row = await this.repository.findVehicle(vehicleId);
    if (!row) throw new NotFoundError(`Vehicle ${vehicleId} has never reported.`);
    const { soc, kwhDeliveredDc, batteryTemp, ts, updatedAt } = row;
    return {
      vehicleId,
      soc,
      kwhDeliveredDc,
      batteryTemp,
      timestamp: ts.toISOString(),
      updatedAt: updatedAt.toISOString(),
    };
  }
}
