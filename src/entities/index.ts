import { ApiKey } from './api-key.entity';
import { ChargingSession } from './charging-session.entity';
import { MeterHistory, MeterLive } from './meter.entity';
import { VehicleHistory, VehicleLive } from './vehicle.entity';

export { ApiKey, ChargingSession, MeterHistory, MeterLive, VehicleHistory, VehicleLive };

export const entities = [ApiKey, ChargingSession, MeterHistory, MeterLive, VehicleHistory, VehicleLive];
