import { MeterHistory, MeterLive } from './meter.entity';
import { VehicleHistory, VehicleLive } from './vehicle.entity';

export { MeterHistory, MeterLive, VehicleHistory, VehicleLive };

export const entities = [MeterHistory, MeterLive, VehicleHistory, VehicleLive];
