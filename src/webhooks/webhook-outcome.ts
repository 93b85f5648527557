import { STATUS_CODES } from 'node:http';
import type { AttemptRecord } from './webhook-delivery.repository';
import type { Answer } from './webhook-sender';

/** How an attempt ended, as `fleet_webhook_attempts_total` counts it. */
export type AttemptOutcome = 'delivered' | 'rejected' | 'gone' | 'timeout' | 'refused' | 'error';

/** The longest backoff between two attempts; Retry-After alone may ask for longer. */
const MAX_BACKOFF_MS = 3_600_000;

/**
 * The wait after failed attempt number `attempt` (1 for the first): `baseMs`, doubling with each attempt,
 * capped at an hour, and cut by up to a quarter at random, so the deliveries a receiver's outage held
 * back do not all come back at the same moment.
 */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.min(attempt - 1, 32), MAX_BACKOFF_MS);
  return Math.round(exponential * (1 - 0.25 * random()));
}

/**
 * A Retry-After header as a wait from `now`: delay-seconds, or an HTTP date (each of whose three forms
 * starts with the day's name). Undefined when absent or unreadable: a receiver's typo changes nothing.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  const text = header?.trim() ?? '';
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface Judged {
  outcome: AttemptOutcome;
  record: AttemptRecord;
}

export interface Judging {
  /** This attempt's number since the delivery was written or resent by hand, 1 for the first: its backoff's step. */
  attempt: number;
  at: Date;
  durationMs: number;
  retryBaseMs: number;
  timeoutMs: number;
  /** When the delivery's retry window ends: no wait goes past it, so the last attempt is made then. */
  retryUntil: Date;
}

const statusLine = (status: number, excerpt: string) => {
  const line = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
  return `${line}${redirect}${excerpt === '' ? '' : `: ${excerpt}`}`;
};

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

/**
 * What an answer makes of the delivery. Only a 2xx delivers; 410 Gone says the endpoint is no more;
 * anything else is retried after the backoff, or after Retry-After when that asks for longer, but
 * never after the retry window ends: a Retry-After past it gets one last attempt at its end, and the
 * error says so, rather than the delivery failing at once.
 */
export function judge(answer: Answer, judging: Judging): Judged {
  const { attempt, at, durationMs, retryBaseMs, timeoutMs, retryUntil } = judging;
  const now = Date.now();
  const retry = (outcome: AttemptOutcome, error: string, status: number | null = null, askedMs = 0): Judged => {
    const leftMs = Math.max(0, retryUntil.getTime() - now);
    // Once the window is over there is no last attempt to announce: the delivery fails.
    const cut =
      askedMs > leftMs && leftMs > 0
        ? `; Retry-After asked to wait ${seconds(askedMs)}, longer than the ${seconds(leftMs)} left of the retry ` +
          'window (WEBHOOK_RETRY_HOURS): one last attempt is made as it ends'
        : '';
    const delayMs = Math.min(Math.max(backoffMs(attempt, retryBaseMs), askedMs), leftMs);
    return { outcome, record: { at, durationMs, status, error: error + cut, next: 'retry', delayMs } };
  };
  switch (answer.kind) {
    case 'answered': {
      const { status, excerpt } = answer;
      if (status >= 200 && status < 300) {
        return { outcome: 'delivered', record: { at, durationMs, status, error: null, next: 'delivered', delayMs: 0 } };
      }
      const error = statusLine(status, excerpt);
      if (status === 410) {
        return { outcome: 'gone', record: { at, durationMs, status, error, next: 'gone', delayMs: 0 } };
      }
      return retry('rejected', error, status, retryAfterMs(answer.retryAfter, now));
    }
    case 'timeout':
      return retry('timeout', `No complete answer within ${timeoutMs} ms.`);
    case 'refused':
      return retry(
        'refused',
        'Refused: the address it leads to is loopback, private, link-local or a metadata address (WEBHOOK_ALLOW_PRIVATE is off).',
      );
    case 'failed':
      return retry('error', answer.reason);
    case 'interrupted':
      return {
        outcome: 'error',
        record: {
          at,
          durationMs,
          status: null,
          error: 'Interrupted: the service stopped during the attempt.',
          next: 'interrupted',
          delayMs: 0,
        },
      };
  }
}
