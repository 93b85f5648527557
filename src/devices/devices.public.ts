/** What other features may use of the registry: a device as registered, and its rules. */
export { NewDeviceDto, parseNewDevice, type NewDevice } from './devices.dto';
