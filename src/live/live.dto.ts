import { IsOptional } from 'class-validator';
import { described } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { PageSize, validateQuery } from '../validation/validate-request';

const MAX_PAGE_SIZE = 1_000;
const DEFAULT_PAGE_SIZE = 100;

export class DeviceListQueryDto {
  @PageSize(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
  limit?: number;

  @IsOptional()
  @IsDeviceId()
  @described("The previous page's `nextCursor`: the list goes on after that device id.")
  cursor?: string;
}

/** A page of devices in id order, after `after` when given. */
export interface DeviceListQuery {
  limit: number;
  after?: string;
}

/** The page a validated list query asks for. */
export const pageOf = (dto: DeviceListQueryDto): DeviceListQuery => ({
  limit: dto.limit ?? DEFAULT_PAGE_SIZE,
  after: dto.cursor,
});

export function parseDeviceListQuery(query: unknown): DeviceListQuery {
  return pageOf(validateQuery(DeviceListQueryDto, query, 'The query is invalid.'));
}
