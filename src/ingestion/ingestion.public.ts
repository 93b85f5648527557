/** What other features may use of ingestion: the readings themselves. */
export { MeterReadingDto, VehicleReadingDto, type Reading } from './ingestion.dto';
export { REGISTER_EVENTS, type RegisterEvent } from './registers';
