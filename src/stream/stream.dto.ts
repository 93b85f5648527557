import { IsOptional } from 'class-validator';
import { described } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { validateQuery } from '../validation/validate-request';

export class StreamQueryDto {
  @IsOptional() @IsDeviceId() @described("Only this vehicle's readings and low-efficiency events.") vehicleId?: string;
  @IsOptional() @IsDeviceId() @described("Only this meter's readings.") meterId?: string;
}

/** The devices a client follows; with neither set, it follows every device. */
export interface StreamFilter {
  vehicleId?: string;
  meterId?: string;
}

export function parseStreamQuery(query: unknown): StreamFilter {
  const { vehicleId, meterId } = validateQuery(StreamQueryDto, query, 'The stream query is invalid.');
  return { vehicleId, meterId };
}
