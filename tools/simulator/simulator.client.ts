import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetEfficiencyPage, VehiclePerformance } from '../../src/analytics/analytics.service';
import type { SessionView } from '../../src/charging-sessions/charging-sessions.service';
import type { BatchSummary } from '../../src/ingestion/ingestion.service';
import type { WireReading } from './fleet-model';

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

export type BatchAnswer = BatchSummary & { received: number; rejected: number };
export interface SingleAnswer {
  duplicate: boolean;
}

export interface Failure {
  count: number;
  /** The first problem detail seen with this status, enough to tell what went wrong. */
  detail: string;
}

const ATTEMPTS = 6;
const REQUEST_TIMEOUT_MS = 30_000;
// A rate limiter's window lasts a minute by default; a load generator should wait it out, not give up.
const MAX_WAIT_MS = 60_000;
// Throttling and a briefly unavailable database pass; anything else would fail the same way again.
const TRANSIENT = new Set([429, 502, 503, 504]);
const FLEET_PAGE = 1_000;
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

  postBatch(readings: WireReading[]): Promise<Answer<BatchAnswer>> {
    return this.send('POST', '/v1/ingestion/batch', readings);
  }

  postReading(reading: WireReading): Promise<Answer<SingleAnswer>> {
    return this.send('POST', 'meterId' in reading ? '/v1/ingestion/meter' : '/v1/ingestion/vehicle', reading);
  }

  openSession(vehicleId: string, meterId: string, startedAt: Date): Promise<Answer<SessionView>> {
    return this.send('POST', '/v1/charging-sessions', { vehicleId, meterId, startedAt: startedAt.toISOString() });
  }

  closeSession(id: string, endedAt: Date): Promise<Answer<SessionView>> {
    return this.send('PATCH', `/v1/charging-sessions/${encodeURIComponent(id)}`, { endedAt: endedAt.toISOString() });
  }

  /** Every page of the fleet efficiency ranking for the window (from, to]. */
  async fleetEfficiency(from: Date, to: Date, threshold: number): Promise<Answer<VehiclePerformance[]>> {
    const vehicles: VehiclePerformance[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ threshold: String(threshold), limit: String(FLEET_PAGE) });
      if (cursor === null) {
        query.set('from', from.toISOString());
        query.set('to', to.toISOString());
      } else {
        query.set('cursor', cursor);
      }
      const page: Answer<FleetEfficiencyPage> = await this.send(
        'GET',
        `/v1/analytics/fleet/efficiency?${query.toString()}`,
      );
      if (!page.ok) return page;
      vehicles.push(...page.body.vehicles);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return { ok: true, status: 200, body: vehicles };
  }

  private async send<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
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
        if (response.ok) return { ok: true, status: response.status, body: JSON.parse(text) as T };
        status = String(response.status);
        detail = problemDetail(text);
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) waitMs = retryAfter * 1_000;
        if (REFUSED.has(response.status)) this.refused ??= `${status} ${detail}`;
        if (!TRANSIENT.has(response.status)) return this.fail(status, detail);
      } catch (error) {
        detail = (error as Error).message;
      }
      if (attempt >= ATTEMPTS) return this.fail(status, detail);
      this.transientRetries += 1;
      await sleep(Math.min(waitMs, MAX_WAIT_MS));
    }
  }

  private fail(status: string, detail: string): { ok: false; status: string } {
    const known = this.failures.get(status);
    if (known) known.count += 1;
    else this.failures.set(status, { count: 1, detail });
    return { ok: false, status };
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
