import { ChargingSession } from './charging-session.entity';
import { MeterHistory, MeterLive } from './meter.entity';
import { VehicleHistory, VehicleLive } from './vehicle.entity';

export { ChargingSession, MeterHistory, MeterLive, VehicleHistory, VehicleLive };

export const entities = [ChargingSession, MeterHistory, MeterLive, VehicleHistory, VehicleLive];
