import { In, IsNull, LessThanOrEqual, MoreThan, type DataSource, type Repository } from 'typeorm';
import { ChargingSession, MeterLive, VehicleLive } from '../entities';
import type { DeviceListQuery } from './live.dto';

export class LiveRepository {
  private readonly meters: Repository<MeterLive>;
  private readonly vehicles: Repository<VehicleLive>;
  private readonly sessions: Repository<ChargingSession>;

  constructor(dataSource: DataSource) {
    this.meters = dataSource.getRepository(MeterLive);
    this.vehicles = dataSource.getRepository(VehicleLive);
    this.sessions = dataSource.getRepository(ChargingSession);
  }

  findMeter(meterId: string): Promise<MeterLive | null> {
    return this.meters.findOneBy({ meterId });
  }

  findVehicle(vehicleId: string): Promise<VehicleLive | null> {
    return this.vehicles.findOneBy({ vehicleId });
  }

  /** One row more than the page, which tells whether another page follows. */
  listMeters({ limit, after }: DeviceListQuery): Promise<MeterLive[]> {
    const where = after === undefined ? {} : { meterId: MoreThan(after) };
    return this.meters.find({ where, order: { meterId: 'ASC' }, take: limit + 1 });
  }

  listVehicles({ limit, after }: DeviceListQuery): Promise<VehicleLive[]> {
    const where = after === undefined ? {} : { vehicleId: MoreThan(after) };
    return this.vehicles.find({ where, order: { vehicleId: 'ASC' }, take: limit + 1 });
  }

  /** The sessions covering `at` of these vehicles: at most one each, as a vehicle's sessions never overlap. */
  sessionsAt(vehicleIds: string[], at: Date): Promise<ChargingSession[]> {
    if (vehicleIds.length === 0) return Promise.resolve([]);
    const current = { vehicleId: In(vehicleIds), startedAt: LessThanOrEqual(at) };
    return this.sessions.find({
      where: [
        { ...current, endedAt: IsNull() },
        { ...current, endedAt: MoreThan(at) },
      ],
    });
  }
}
