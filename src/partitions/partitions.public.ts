/** What other features may use of partitions: calendar arithmetic over the retention interval. */
export { shift } from './partition.calendar';
