/** What other features may use of live status: the paging every device list shares. */
export { DeviceListQueryDto, pageOf, type DeviceListQuery } from './live.dto';
export { paged } from './live.service';
