import { IsIn, IsISO8601, IsNumber, IsString, IsUUID, Max, Min } from 'class-validator';
import { described } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';

// The `data` of the stream's events. The OpenAPI schemas are generated from these decorators, which
// validate nothing here: they only describe.

@described('`event: reading`: a meter reading, sent once its transaction has committed.')
export class StreamMeterReading {
  @IsIn(['meter']) type: 'meter';
  @IsDeviceId() meterId: string;
  @IsNumber() @Min(0) kwhConsumedAc: number;
  @IsNumber() voltage: number;
  @IsISO8601() timestamp: string;
}

@described('`event: reading`: a vehicle reading, sent once its transaction has committed.')
export class StreamVehicleReading {
  @IsIn(['vehicle']) type: 'vehicle';
  @IsDeviceId() vehicleId: string;
  @IsNumber() soc: number;
  @IsNumber() @Min(0) kwhDeliveredDc: number;
  @IsNumber() batteryTemp: number;
  @IsISO8601() timestamp: string;
}

@described(
  '`event: low-efficiency`: a charging session was closed and the DC/AC ratio over its period, with its meter, ' +
    'is below the threshold (`EFFICIENCY_ALERT_THRESHOLD`).',
)
export class LowEfficiencyEvent {
  @IsUUID() sessionId: string;
  @IsDeviceId() vehicleId: string;
  @IsDeviceId() meterId: string;
  @IsISO8601() startedAt: string;
  @IsISO8601() endedAt: string;
  @IsNumber() @Min(0) @described('DC / AC over (startedAt, endedAt], rounded to 3 decimals.') efficiencyRatio: number;
  @IsNumber() @Min(0) @Max(1) threshold: number;
}

@described(
  '`event: reset`: the events after `Last-Event-ID` are no longer kept (or the id is unknown), so some were ' +
    'missed; reload the state, then keep following the stream.',
)
export class StreamReset {
  @IsString() reason: string;
}
