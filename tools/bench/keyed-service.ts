import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { clientConfig, type ConnectionTarget } from '../../src/db/data-source';
import { createBenchDatabase, startService, type RunningServer } from './environment';
import { deviceOf, fleetDevices, ingestionPath, type ReadingBody, type ReadingSource } from './readings';
import type { Defer } from './teardown';

/** The Authorization header a reading is sent with. */
export type Credential = (body: ReadingBody) => string;

/** The service with API keys on, and the two ways the fleet's readings reach it with a credential. */
export interface KeyedService extends RunningServer {
  /** One fleet-wide ingest key for every reading, as a trusted backend forwarding the fleet posts. */
  fleetKey: Credential;
  /** Each reading with its own device's token, as the device itself posts. */
  deviceToken: Credential;
}

const bearer = (secret: string) => `Bearer ${secret}`;
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

async function post(url: string, body: unknown, authorization?: string): Promise<Response> {
  const headers = { 'content-type': 'application/json', ...(authorization && { authorization }) };
  return fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** The service's first key, asked for from its own machine while it has none, which it allows; the key then closes it. */
async function createFleetKey(url: string): Promise<string> {
  const res = await post(`${url}/v1/api-keys`, { name: 'bench fleet', role: 'ingest', scope: 'fleet' });
  if (res.status !== 201) throw new Error(`creating the fleet key answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

/**
 * Registers every device of the fleet and gives each a token, one statement per table. Issued one by
 * one through the API, every credential would make the service reload all live ones before its next
 * request: quadratic in the fleet. In bulk the access version moves once per table and the service
 * reloads once. The tokens are made here and stored as the service stores the ones it issues, by
 * their SHA-256; they read like issued ones (fpd_ and 32 random bytes), so the headers weigh the same.
 */
async function issueDeviceTokens(target: ConnectionTarget): Promise<Map<string, string>> {
  const devices = fleetDevices();
  const tokens = devices.map(() => `fpd_${randomBytes(32).toString('base64url')}`);
  const ids = devices.map(({ id }) => id);
  const db = new Client(clientConfig(target));
  await db.connect();
  try {
    await db.query('INSERT INTO device (id, kind) SELECT * FROM unnest($1::text[], $2::text[])', [
      ids,
      devices.map(({ kind }) => kind),
    ]);
    await db.query(
      'INSERT INTO device_credential (device_id, token_hash) SELECT * FROM unnest($1::text[], $2::bytea[])',
      [ids, tokens.map(sha256)],
    );
  } finally {
    await db.end();
  }
  return new Map(ids.map((id, index) => [id, bearer(tokens[index])]));
}

/**
 * One reading without a credential and one with each kind before any round: a service left open, or
 * credentials it does not take, fail the run here rather than pass as a phase of refusals.
 */
async function check(service: KeyedService, source: ReadingSource): Promise<void> {
  const expectations: Array<[string, Credential | undefined, number]> = [
    ['no credential', undefined, 401],
    ['the fleet key', service.fleetKey, 201],
    ['a device token', service.deviceToken, 201],
  ];
  for (const [what, credential, expected] of expectations) {
    const body = source.body();
    const res = await post(`${service.url}${ingestionPath(body)}`, body, credential?.(body));
    if (res.status !== expected) {
      throw new Error(`the keyed service answered a reading with ${what} ${res.status}, not ${expected}`);
    }
  }
}

/**
 * The service over a database of its own: a key in the main run's database would close the service
 * the other phases measure keyless, and their figures would no longer compare with earlier runs.
 */
export async function startKeyedService(
  server: ConnectionTarget,
  source: ReadingSource,
  defer: Defer,
): Promise<KeyedService> {
  const target = await createBenchDatabase(server, defer);
  const service = await startService(target, defer);
  const fleetKey = bearer(await createFleetKey(service.url));
  const tokens = await issueDeviceTokens(target);
  const keyed: KeyedService = {
    ...service,
    fleetKey: () => fleetKey,
    // Every device of the source has a token; a reading from outside the fleet would go without one and be refused.
    deviceToken: (body) => tokens.get(deviceOf(body)) ?? '',
  };
  await check(keyed, source);
  return keyed;
}
