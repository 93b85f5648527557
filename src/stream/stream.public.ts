/** What other features may use of the stream: announcing an event from inside their own transaction. */
import { STREAM_STATEMENTS } from './stream.repository';

export { alarmPayload } from './stream.events';
export const announceStatement = STREAM_STATEMENTS.announce;
