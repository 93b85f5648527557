import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppConfig } from '../../src/config/config';
import { ensureDatabase, withDatabase, type ConnectionTarget } from '../../src/db/data-source';
import { connectionTarget } from '../../src/db/database';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { adminQuery } from '../shared/admin-database';
import { databaseEnv } from '../shared/database-env';
import type { Defer } from './teardown';

const BENCH_DATABASE_PREFIX = 'fleet_bench_';

/**
 * A run killed before its teardown (SIGKILL, a crash of the machine) leaves its database behind; the
 * next run drops it. Only on the bench's own server, where no other run can be going on.
 */
async function dropInterruptedRuns(server: ConnectionTarget): Promise<void> {
  const runs = await adminQuery<{ datname: string }>(
    server,
    `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`,
    [BENCH_DATABASE_PREFIX],
  );
  for (const { datname } of runs) await adminQuery(server, `DROP DATABASE "${datname}" WITH (FORCE)`);
}

/** The configured server, or with none configured an embedded one that only the bench uses. */
export async function openServer(config: AppConfig, logger: Logger, defer: Defer): Promise<ConnectionTarget> {
  const target = config.database;
  if (target.kind !== 'embedded') return connectionTarget(target);
  const embedded = await startEmbeddedPostgres({ dataDir: target.dataDir, port: target.port }, logger);
  defer('stop the embedded PostgreSQL', () => embedded.stop());
  const server = connectionTarget(target);
  await dropInterruptedRuns(server);
  return server;
}

/** An empty database per run, so that every run starts from the same table sizes. */
export async function createBenchDatabase(server: ConnectionTarget, defer: Defer): Promise<ConnectionTarget> {
  const name = `${BENCH_DATABASE_PREFIX}${Date.now()}`;
  const target = withDatabase(server, name);
  await ensureDatabase(target);
  defer(`drop the database ${name}`, () => adminQuery(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  return target;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000, false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface RunningServer {
  url: string;
  pid: number;
  /** Stops it before the teardown would (which then has nothing left to do). */
  stop(): Promise<void>;
}

/**
 * A server of the run as its own process on a free loopback port, stopped at teardown. It is ready
 * once `GET probe` answers below 500: the service's /readyz answers 503 until it can take readings,
 * a baseline answers anything at all as soon as it listens.
 */
async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  probe: string,
  defer: Defer,
): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  defer(`stop the ${name}`, () => stopChild(child, exited));
  // The bench can end before its teardown does (a crash, or embedded-postgres exiting on a signal);
  // the server must not outlive it. A no-op once the server has stopped.
  process.once('exit', () => child.kill('SIGTERM'));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the ${name} exited with code ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}${probe}`).then(
      (res) => res.status < 500,
      () => false,
    );
    if (ready && child.pid !== undefined) return { url, pid: child.pid, stop: () => stopChild(child, exited) };
    await sleep(250);
  }
  throw new Error(`the ${name} was not ready within 120 s`);
}

/**
 * The built service (dist/src/server.js), which migrates the database it is given; `env` adds
 * settings of the run's own.
 */
export function startService(
  target: ConnectionTarget,
  defer: Defer,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const settings = {
    ...databaseEnv(target),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'development',
    // One load generator on one address would spend the per-IP rate-limit budget within seconds;
    // the benchmark measures ingestion, not the limiter.
    RATE_LIMIT_MAX: '0',
    ...env,
  };
  return startServer('service', ['dist/src/server.js'], settings, '/readyz', defer);
}

/** pg's connection string for `target`: what a baseline that writes is given as DATABASE_URL. */
function databaseUrl(target: ConnectionTarget): string {
  if ('url' in target) return target.url;
  const { host, port, username, password, database } = target;
  const credentials = `${encodeURIComponent(username)}:${encodeURIComponent(password)}`;
  return `postgres://${credentials}@${host}:${port}/${encodeURIComponent(database)}`;
}

/**
 * A baseline server of this directory, run through tsx like the bench itself; one that writes gets the
 * database `target`, already migrated by the service.
 */
export function startBaseline(file: string, defer: Defer, target?: ConnectionTarget): Promise<RunningServer> {
  const env: Record<string, string> = target ? { DATABASE_URL: databaseUrl(target) } : {};
  return startServer(file, ['--import', 'tsx', path.join(__dirname, file)], env, '/', defer);
}
