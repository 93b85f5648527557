import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { bootDecision } from '../../src/auth/auth.policy';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { exitOf, spawnTs, waitForOutput } from '../support/spawn-ts';
import { createIsolatedDatabase, testServer, type IsolatedDatabase } from '../support/test-database';

describe('bootDecision', () => {
  it.each([
    ['production', false, 0, false],
    ['production', false, 1, true],
    ['production', true, 0, true],
    ['development', false, 0, true],
    ['test', false, 0, true],
    ['development', false, 2, true],
  ] as const)('NODE_ENV=%s AUTH_DISABLED=%s with %i active keys: starts=%s', (nodeEnv, disabled, keys, starts) => {
    expect(bootDecision({ nodeEnv, disabled }, keys).start).toBe(starts);
  });

  it('a refusal says how to fix it', () => {
    const decision = bootDecision({ nodeEnv: 'production', disabled: false }, 0);
    expect(decision).toEqual({
      start: false,
      reason: expect.stringMatching(/npm run keys -- create.*AUTH_DISABLED=true/s),
    });
  });

  it('running open or disabled comes with a warning; a keyed service starts quietly', () => {
    expect(bootDecision({ nodeEnv: 'development', disabled: false }, 0)).toMatchObject({
      warning: expect.stringMatching(/open/),
    });
    expect(bootDecision({ nodeEnv: 'production', disabled: true }, 3)).toMatchObject({
      warning: expect.stringMatching(/AUTH_DISABLED/),
    });
    expect(bootDecision({ nodeEnv: 'production', disabled: false }, 1)).toEqual({ start: true });
  });
});

describe('the server applies it at boot', () => {
  let db: IsolatedDatabase;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    db = await createIsolatedDatabase();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db.drop();
  });

  function serve(env: Record<string, string>): ChildProcess {
    child = spawnTs('src/server.ts', {
      PORT: '0',
      ...databaseEnv(withDatabase(testServer().target, db.name)),
      ...env,
    });
    return child;
  }

  it('production without a key refuses to start, saying why', async () => {
    const server = serve({ NODE_ENV: 'production' });
    const output = waitForOutput(server, /needs at least one API key/).catch((error: Error) => error);
    expect(await exitOf(server)).toBe(1);
    expect(await output).toBeUndefined();
  }, 120_000);

  it('a port another program holds fails the boot, saying so, instead of announcing a server nobody reaches', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '::', resolve));
    try {
      const { port } = holder.address() as AddressInfo;
      const server = serve({ NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: String(port) });
      let output = '';
      server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exitOf(server)).toBe(1);
      expect(output).toContain('EADDRINUSE');
      expect(output).not.toContain('fleet platform listening');
    } finally {
      holder.close();
    }
  }, 120_000);

  it('development without a key starts open and warns', async () => {
    const server = serve({ NODE_ENV: 'development', LOG_LEVEL: 'info' });
    await waitForOutput(server, /no API keys yet[\s\S]*fleet platform listening/);
    server.kill('SIGTERM');
    expect(await exitOf(server)).toBe(0);
  }, 120_000);
});
