import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionView } from '../../src/charging-sessions/charging-sessions.service';
import type { BatchAnswer, ImportAnswer, SingleAnswer } from './answers';
import { deviceOf, type FleetDevice, type WireReading } from './fleet-model';

export interface ClientOptions {
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer` once the service has keys. Readings need ingest, sessions admin and
   * the report read, so only an admin key covers a whole run.
   */
  apiKey?: string;
}

/** A request's final outcome; `status` is the HTTP status, or 'network' when no answer came. */
export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; status: string };
/** The same, with what went wrong said, for a caller that reports it itself. */
type Explained<T> = Extract<Answer<T>, { ok: true }> | { ok: false; status: string; detail: string };

export interface Failure {
  count: number;
  /** The first problem detail seen with this status, enough to tell what went wrong. */
  detail: string;
}

const JSON_TYPE = 'application/json';
const ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 30_000;
// A rate limiter's window lasts a minute by default; a load generator should wait it out, not give up.
const MAX_WAIT_MS = 60_000;
// Throttling and a briefly unavailable database pass; anything else would fail the same way again.
const TRANSIENT = new Set([429, 502, 503, 504]);
// A missing, wrong or too weak key is refused the same way every time: no point playing on.
const REFUSED = new Set([401, 403]);

/**
 * The service's HTTP API as the simulator uses it, over fetch, whose pool keeps connections alive.
 * Transient failures are retried here; what still fails is counted by status and answered, never thrown.
 */
export class SimulatorClient {
  readonly failures = new Map<string, Failure>();
  /** Set by the first 401 or 403: the run should stop rather than send more of the same. */
  refused?: string;
  requests = 0;
  transientRetries = 0;
  private readonly base: string;
  // Device id → its own token; held here only, never printed, and gone with the process.
  private deviceTokens: ReadonlyMap<string, string> = new Map();

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  /** Whether anything answers at the URL at all, before a run sends thousands of requests into the void. */
  async reachable(): Promise<boolean> {
    try {
      return (await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).ok;
    } catch {
      return false;
    }
  }

  /**
   * Registers what is new and issues every device a fresh token: `reissue`, as the last run's tokens went
   * with its process (the service revokes a device's oldest when a third would be live). A refusal is the
   * caller's to judge, a key that is not admin among them, so it neither stops the run nor counts as a failure.
   */
  importDevices(devices: FleetDevice[]): Promise<Explained<ImportAnswer>> {
    return this.exchange('POST', '/v1/devices/import', { devices, reissue: true }, this.options.apiKey);
  }

  /** From now on a reading goes with its device's token; devices without one keep using the key. */
  useDeviceTokens(tokens: ReadonlyMap<string, string>): void {
    this.deviceTokens = tokens;
  }

  /** Whether readings go with device tokens, which write for their own device only: one device a batch. */
  get perDevice(): boolean {
    return this.deviceTokens.size > 0;
  }

  /** With device tokens, every reading must be of the same device; the first one's token goes. */
  postBatch(readings: WireReading[]): Promise<Answer<BatchAnswer>> {
    return this.send('POST', '/v1/ingestion/batch', readings, this.bearerFor(readings[0]));
  }

  postReading(reading: WireReading): Promise<Answer<SingleAnswer>> {
    const path = 'meterId' in reading ? '/v1/ingestion/meter' : '/v1/ingestion/vehicle';
    return this.send('POST', path, reading, this.bearerFor(reading));
  }

  openSession(vehicleId: string, meterId: string, startedAt: Date): Promise<Answer<SessionView>> {
    return this.send('POST', '/v1/charging-sessions', { vehicleId, meterId, startedAt: startedAt.toISOString() });
  }

  closeSession(id: string, endedAt: Date): Promise<Answer<SessionView>> {
    return this.send('PATCH', `/v1/charging-sessions/${encodeURIComponent(id)}`, { endedAt: endedAt.toISOString() });
  }

  /** A read for the report, counted and retried like any request. */
  get<T>(path: string): Promise<Answer<T>> {
    return this.send('GET', path);
  }

  /** A read of another type than JSON (the CSV export), its body as text. */
  getText(path: string, accept: string): Promise<Answer<string>> {
    return this.send('GET', path, undefined, this.options.apiKey, accept);
  }

  private bearerFor(reading: WireReading): string | undefined {
    return this.deviceTokens.get(deviceOf(reading)) ?? this.options.apiKey;
  }

  /** Counts what still fails by status, and stops the run at a refusal. */
  private async send<T>(
    method: string,
    path: string,
    body?: unknown,
    bearer = this.options.apiKey,
    accept = JSON_TYPE,
  ): Promise<Answer<T>> {
    const answer = await this.exchange<T>(method, path, body, bearer, accept);
    if (answer.ok) return answer;
    if (REFUSED.has(Number(answer.status))) this.refused ??= `${answer.status} ${answer.detail}`;
    const known = this.failures.get(answer.status);
    if (known) known.count += 1;
    else this.failures.set(answer.status, { count: 1, detail: answer.detail });
    return { ok: false, status: answer.status };
  }

  /** One request, retried while its failure is transient. */
  private async exchange<T>(
    method: string,
    path: string,
    body: unknown,
    bearer?: string,
    accept = JSON_TYPE,
  ): Promise<Explained<T>> {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
    for (let attempt = 1; ; attempt++) {
      this.requests += 1;
      let status = 'network';
      let detail: string;
      let waitMs = Math.min(250 * 2 ** attempt, 5_000);
      try {
        const response = await fetch(this.base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await response.text();
        if (response.ok) {
          return { ok: true, status: response.status, body: (accept === JSON_TYPE ? JSON.parse(text) : text) as T };
        }
        status = String(response.status);
        detail = problemDetail(text);
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) waitMs = retryAfter * 1_000;
        if (!TRANSIENT.has(response.status)) return { ok: false, status, detail };
      } catch (error) {
        detail = (error as Error).message;
      }
      if (attempt >= ATTEMPTS) return { ok: false, status, detail };
      this.transientRetries += 1;
      await sleep(Math.min(waitMs, MAX_WAIT_MS));
    }
  }
}

function problemDetail(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    const said = problem.detail ?? problem.title ?? text;
    return typeof said === 'string' ? said : JSON.stringify(said);
  } catch {
    return text.slice(0, 200);
  }
}
