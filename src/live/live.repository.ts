import type { DataSource, Repository } from 'typeorm';
import { MeterLive, VehicleLive } from '../entities';

export class LiveRepository {
  private readonly meters: Repository<MeterLive>;
  private readonly vehicles: Repository<VehicleLive>;

  constructor(dataSource: DataSource) {
    this.meters = dataSource.getRepository(MeterLive);
    this.vehicles = dataSource.getRepository(VehicleLive);
  }

  findMeter(meterId: string): Promise<MeterLive | null> {
    return this.meters.findOneBy({ meterId });
  }

  findVehicle(vehicleId: string): Promise<VehicleLive | null> {
    return this.vehicles.findOneBy({ vehicleId });
  }
}
