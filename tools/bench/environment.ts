import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
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
 * Ctrl-C reaches the embedded server as well, which then shuts down before the bench can drop its
 * database; the next run drops it. Only on the bench's own server, where no other run can be going on.
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

export interface RunningService {
  url: string;
  pid: number;
}

/**
 * The built service (dist/src/server.js) as its own process, answering /readyz on a free port; `env`
 * adds settings of the run's own.
 */
export async function startService(
  target: ConnectionTarget,
  defer: Defer,
  env: Record<string, string> = {},
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    env: {
      ...process.env,
      ...databaseEnv(target),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      // One load generator on one address would spend the per-IP rate-limit budget within seconds;
      // the benchmark measures ingestion, not the limiter.
      RATE_LIMIT_MAX: '0',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  defer('stop the service', () => stopChild(child, exited));
  // The bench can end before its teardown does (a crash, or embedded-postgres exiting on a signal);
  // the service must not outlive it. A no-op once the service has stopped.
  process.once('exit', () => child.kill('SIGTERM'));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready && child.pid !== undefined) return { url, pid: child.pid };
    await sleep(250);
  }
  throw new Error('the service was not ready within 120 s');
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/** Resident memory of the service: the kernel's high-water mark, and our own 250 ms samples as a cross-check. */
export class RssMonitor {
  private maxKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
  }

  private sample(): void {
    try {
      this.maxKb = Math.max(this.maxKb, statusKb(this.pid, 'VmRSS'));
    } catch {
      // The service is gone; the phase that needed it reports the failure.
    }
  }

  /** Must be called while the service still runs: VmHWM disappears with the process. */
  finish(): { sampledMb: number; peakMb: number } {
    clearInterval(this.timer);
    this.sample();
    return { sampledMb: this.maxKb / 1024, peakMb: statusKb(this.pid, 'VmHWM') / 1024 };
  }
}
