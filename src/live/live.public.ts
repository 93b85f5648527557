/** What other features may use of live status: the paging every device list shares. */
export { DEFAULT_PAGE_SIZE, DeviceListQueryDto } from './live.dto';
export { paged } from './live.service';
