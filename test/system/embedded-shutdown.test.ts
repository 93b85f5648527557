import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_CREDENTIALS, EMBEDDED_HOST } from '../../src/db/embedded-postgres';
import { exitOf, spawnTs, waitForOutput } from '../support/spawn-ts';
import { meterReading } from '../support/factories';

// A data folder and ports of this file's own: neither a running service's server nor the suite's.
const DATA_DIR = path.join(os.tmpdir(), `fleet-embedded-shutdown-${process.pid}`);
let httpPort: number;
let pgPort: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  [httpPort, pgPort] = await Promise.all([freePort(), freePort()]);
});

afterAll(() => rmSync(DATA_DIR, { recursive: true, force: true }));

/** What became of one reading: its status, the port found closed, or a connection lost without an answer. */
type Outcome = number | 'refused' | 'unanswered';

async function post(body: object): Promise<Outcome> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/ingestion/meter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return res.status;
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ECONNREFUSED' ? 'refused' : 'unanswered';
  }
}

/**
 * The service on the embedded default under 16 devices posting single readings, stopped by `stop`
 * once 100 are acknowledged. Each device posts until it finds the port closed.
 */
async function stopUnderLoad(stop: (server: ChildProcess) => void) {
  const server = spawnTs(
    'src/server.ts',
    {
      PORT: String(httpPort),
      EMBEDDED_PG_PORT: String(pgPort),
      EMBEDDED_PG_DIR: DATA_DIR,
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      SHUTDOWN_TIMEOUT_MS: '60000',
    },
    { detached: true },
  );
  let log = '';
  server.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  try {
    await waitForOutput(server, /fleet platform listening/, 150_000);
  } catch (error) {
    server.kill('SIGKILL');
    throw error;
  }
  const acknowledged: string[] = [];
  const unanswered: string[] = [];
  const refusals: Outcome[] = [];
  const device = async () => {
    for (;;) {
      const body = meterReading();
      const outcome = await post(body);
      if (outcome === 201) acknowledged.push(body.meterId);
      else if (outcome === 'unanswered') unanswered.push(body.meterId);
      else if (outcome === 'refused') return;
      else refusals.push(outcome);
    }
  };
  const devices = Array.from({ length: 16 }, device);
  while (acknowledged.length < 100 && server.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  stop(server);
  const code = await exitOf(server);
  await Promise.all(devices);
  return { code, log, acknowledged, unanswered, refusals };
}

/** The readings of `meterIds` stored on the embedded server, read once the service has stopped it. */
async function storedOf(meterIds: string[]): Promise<string[]> {
  const postgres = spawnTs('test/support/owned-postgres.ts', { OWNED_PG_DIR: DATA_DIR, OWNED_PG_PORT: String(pgPort) });
  await waitForOutput(postgres, /owned postgres ready/);
  const client = new Client({
    host: EMBEDDED_HOST,
    port: pgPort,
    user: EMBEDDED_CREDENTIALS.username,
    password: EMBEDDED_CREDENTIALS.password,
    database: 'fleet_platform',
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ meter_id: string }>(
      'SELECT meter_id FROM meter_history WHERE meter_id = ANY($1)',
      [meterIds],
    );
    return rows.map((row) => row.meter_id);
  } finally {
    await client.end();
    postgres.kill('SIGTERM');
    await exitOf(postgres);
  }
}

it.each([
  ['SIGTERM to the process', (server: ChildProcess) => server.kill('SIGTERM')],
  ['SIGINT to its process group, as Ctrl-C sends', (server: ChildProcess) => process.kill(-server.pid!, 'SIGINT')],
])(
  'on the embedded default, %s answers 201 to every reading it accepted, then closes the port, says "stopped" and exits 0',
  async (_signal, stop) => {
    const run = await stopUnderLoad(stop);

    expect(run.refusals).toEqual([]);
    expect(run.log).toMatch(/"msg":"stopped"/);
    expect(run.code).toBe(0);
    // Each device found the port closed in the end; a reading lost on the way was never taken in.
    const stored = await storedOf([...run.acknowledged, ...run.unanswered]);
    expect(new Set(stored)).toEqual(new Set(run.acknowledged));
  },
  300_000,
);
