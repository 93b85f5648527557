/** What other features may use of alarms: the event every change sends, on the stream and to webhooks. */
export type { AlarmEvent } from './alarms.responses';
