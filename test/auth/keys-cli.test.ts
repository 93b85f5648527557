import { spawn } from 'node:child_process';
import { runKeysCommand, UsageError } from '../../src/auth/keys.cli';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { ValidationError } from '../../src/errors/problem';
import { ROOT } from '../support/spawn-ts';
import { testServer } from '../support/test-database';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  // Keys made by the spawned CLI reach this process's service without waiting out its key cache.
  t = await createTestApp({ AUTH_KEY_CACHE_MS: '0' });
});
afterAll(() => t.close());
const keys = () => ({ auth: t.services.auth, imports: t.services.deviceImport });

describe('keys commands', () => {
  it('create prints the key alone on stdout and stores only its hash', async () => {
    const argv = ['create', '--role', 'ingest', '--name', 'depot-7', '--scope', 'fleet'];
    const out = await runKeysCommand(keys(), argv);
    expect(out.stdout).toMatch(/^fp_[A-Za-z0-9_-]{43}$/);
    expect(out.stderr).toMatch(/ingest key "depot-7".*cannot be shown again/);
    expect(await t.services.auth.authenticate(out.stdout)).toMatchObject({ name: 'depot-7', role: 'ingest' });
  });

  it('create --scope devices makes a gateway key for the devices listed, and list shows them', async () => {
    const meters = ['gw-m-1', 'gw-m-2'];
    for (const id of meters) await t.services.devices.register({ id, kind: 'meter', label: null });
    const argv = [
      'create',
      '--role',
      'ingest',
      '--name',
      'depot-8',
      '--scope',
      'devices',
      '--devices',
      meters.join(','),
    ];
    const created = await runKeysCommand(keys(), [...argv, '--json']);
    expect(JSON.parse(created.stdout)).toMatchObject({ scope: 'devices', devices: meters });
    const text = (await runKeysCommand(keys(), ['list'])).stdout;
    expect(text).toMatch(/\singest\s+devices: gw-m-1,gw-m-2\s+depot-8\s/);
  });

  it('list shows every key as a table, and as JSON with --json', async () => {
    await runKeysCommand(keys(), ['create', '--role', 'read', '--name', 'grafana']);
    const text = (await runKeysCommand(keys(), ['list'])).stdout.split('\n');
    expect(text[0]).toMatch(/^ID\s+ROLE\s+SCOPE\s+NAME\s+CREATED\s+REVOKED$/);
    expect(text.some((line) => /\sread\s+fleet\s+grafana\s/.test(line))).toBe(true);
    const listed = JSON.parse((await runKeysCommand(keys(), ['list', '--json'])).stdout);
    expect(listed).toContainEqual(expect.objectContaining({ name: 'grafana', role: 'read', revokedAt: null }));
  });

  it('revoke takes an id and the key stops working', async () => {
    const created = JSON.parse(
      (await runKeysCommand(keys(), ['create', '--role', 'read', '--name', 'tmp', '--json'])).stdout,
    );
    const out = await runKeysCommand(keys(), ['revoke', created.id]);
    expect(out.stdout).toMatch(new RegExp(`Revoked read key "tmp" \\(id ${created.id}\\) at \\d{4}-`));
    expect(await t.services.auth.authenticate(created.key)).toBeNull();
  });

  it.each([
    [[], UsageError],
    [['rotate'], UsageError],
    [['create', '--role', 'ingest', '--name', 'x', '--colour', 'red'], UsageError],
    [['revoke'], UsageError],
    [['create', '--role', 'root', '--name', 'x'], ValidationError],
    [['create', '--role', 'read'], ValidationError],
    [['create', '--role', 'ingest', '--name', 'x'], ValidationError],
    [['create', '--role', 'ingest', '--name', 'x', '--scope', 'devices'], ValidationError],
    [['create', '--role', 'read', '--name', 'x', '--scope', 'devices', '--devices', 'm-1'], ValidationError],
    [['create', '--role', 'ingest', '--name', 'x', '--scope', 'fleet', '--devices', 'm-1'], ValidationError],
    [
      ['create', '--role', 'ingest', '--name', 'x', '--scope', 'devices', '--devices', 'never-registered'],
      ValidationError,
    ],
  ])('refuses %j', async (argv, kind) => {
    await expect(runKeysCommand(keys(), argv)).rejects.toBeInstanceOf(kind);
  });
});

/** `npm run keys` as an operator types it, against this test's database. */
function npmKeys(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Every connection variable is set (blank ones count as unset), so a developer's .env cannot redirect it.
  const connection = databaseEnv(withDatabase(testServer().target, t.db.name));
  const child = spawn('npm', ['run', '--silent', 'keys', '--', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, NODE_ENV: 'test', ...connection },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

describe('npm run keys', () => {
  it('creates, lists and revokes through the same configuration as the server', async () => {
    const created = await npmKeys(['create', '--role', 'admin', '--name', 'ops-cli']);
    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/^fp_[A-Za-z0-9_-]{43}$/) });
    const principal = await t.services.auth.authenticate(created.stdout);
    expect(principal).toMatchObject({ name: 'ops-cli', role: 'admin' });

    const listed = await npmKeys(['list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ id: principal?.id, revokedAt: null }));

    const revoked = await npmKeys(['revoke', principal!.id]);
    expect(revoked.code).toBe(0);
    const [row] = await t.db.dataSource.query('SELECT revoked_at FROM api_key WHERE id = $1', [principal!.id]);
    expect(row.revoked_at).toBeInstanceOf(Date);
  }, 120_000);

  it('exits 2 with the usage when the command is unknown', async () => {
    const unknown = await npmKeys(['rotate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "rotate"[\s\S]*usage: npm run keys/);
  }, 120_000);
});
