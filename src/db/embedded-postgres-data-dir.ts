import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { closedAncestor, isRoot } from './embedded-postgres-binaries';
import { EmbeddedPostgresError } from './embedded-postgres-error';

/** Kept across reboots, unlike the temp dir, and reachable by the postgres user. */
export const FALLBACK_ROOT = '/var/lib/fleet-platform';
/** In the requested folder: the fallback folder that holds its data. */
const POINTER = 'data-location';
/** In a fallback folder: the requested folder it belongs to. */
const OWNER = 'checkout';

function readLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The folder PostgreSQL keeps its data in. PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` system user, which must be able to walk down to its data folder. When a
 * parent is closed to others (a clone under /root, say), the data goes to a folder of its own under
 * `root`, and the requested folder records which one. That record travels with the checkout: a
 * fresh clone at the same path has none and starts empty, and a copy of a checkout finds the record
 * naming another checkout and starts its own, rather than either opening data that is not theirs.
 */
export function usableDataDir(requested: string, logger: Logger, root = FALLBACK_ROOT): string {
  if (!isRoot()) return requested;
  const recorded = readLine(path.join(requested, POINTER));
  if (recorded !== undefined) {
    const owner = readLine(path.join(recorded, OWNER));
    if (owner === requested) return path.join(recorded, 'postgres');
    logger.warn(
      { requested, recorded, owner: owner ?? null },
      owner === undefined
        ? 'the data folder recorded for this checkout is gone; starting an empty one'
        : 'the data folder recorded here belongs to another checkout; starting an empty one',
    );
  }
  const closed = closedAncestor(requested);
  return closed ? createFallback(requested, closed, logger, root) : requested;
}

function createFallback(requested: string, closed: string, logger: Logger, root: string): string {
  // Named for the checkout's folder so that an operator can tell them apart; the suffix makes it its own.
  const name = requested
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+/, '')
    .slice(-48);
  const folder = path.join(root, `${name}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(folder, { recursive: true });
    // Whatever the umask, postgres must be able to walk down to its data folder.
    for (const dir of [root, folder]) chmodSync(dir, 0o755);
    writeFileSync(path.join(folder, OWNER), `${requested}\n`);
    mkdirSync(requested, { recursive: true });
    writeFileSync(path.join(requested, POINTER), `${folder}\n`);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `postgres cannot reach ${requested} (${closed} is closed to other users), and keeping its data under ${root} failed (${String(error)})`,
      `make ${root} writable, let other users traverse ${closed} (chmod o+x), or set EMBEDDED_PG_DIR to a folder they can reach`,
      { cause: error },
    );
  }
  logger.warn(
    { requested, closed, dataDir: folder, earlier: earlierFolders(requested, root, folder) },
    'embedded PostgreSQL data folder is not reachable by postgres; keeping the data in a folder of its own',
  );
  return path.join(folder, 'postgres');
}

/**
 * Folders that held data for a checkout at this path before (a clone since deleted, or the temp dir
 * fallback of earlier versions), named so that an operator can find that data; none is opened.
 */
function earlierFolders(requested: string, root: string, current: string): string[] {
  const previous = readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((folder) => folder !== current && readLine(path.join(folder, OWNER)) === requested);
  const hash = createHash('sha256').update(requested).digest('hex').slice(0, 12);
  const temporary = path.join(os.tmpdir(), `fleet-platform-pg-${hash}`);
  return existsSync(temporary) ? [...previous, temporary] : previous;
}
