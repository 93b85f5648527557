/** What other features may use of auth: who the caller is, once authenticate() has run. */
export { accessOf } from './auth.middleware';
export type { Principal } from './auth.cache';
export type { DeviceGate, WriteRefusal } from './device-scope';
