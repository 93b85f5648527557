import { ApiError, request } from './api';
import { EventStreamParser, type ServerEvent } from './sse-parser';

// GET /v1/stream takes its key in a header, which EventSource cannot send; so the page reads the
// stream with fetch() and parses the text/event-stream format itself (sse-parser.ts).

export type StreamState = 'connecting' | 'live' | 'retrying' | 'off';

export interface StreamHandlers {
  onEvent(event: ServerEvent): void;
  onState(state: StreamState, detail?: string): void;
}

const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 15_000];
const DISABLED_RETRY_MS = 60_000;

/**
 * Follows the stream for as long as the page is open, reconnecting after any end or failure and resuming
 * with Last-Event-ID, so events committed while disconnected still arrive (or the server says `reset`).
 */
export async function followStream(path: string, handlers: StreamHandlers): Promise<void> {
  const parser = new EventStreamParser((event) => handlers.onEvent(event));
  let failures = 0;
  for (;;) {
    handlers.onState('connecting');
    let waitMs = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (parser.lastEventId) headers['Last-Event-ID'] = parser.lastEventId;
      const response = await request(path, { headers, cache: 'no-store' });
      if (!response.body) throw new Error('the stream has no body');
      handlers.onState('live');
      failures = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      handlers.onState('retrying', 'the stream ended');
    } catch (error) {
      failures += 1;
      // 404: this service runs with the stream switched off; look again now and then.
      const disabled = error instanceof ApiError && error.status === 404;
      if (disabled) waitMs = DISABLED_RETRY_MS;
      handlers.onState(disabled ? 'off' : 'retrying', error instanceof Error ? error.message : String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
