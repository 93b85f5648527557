import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { isLoopback } from '../../src/auth/auth.middleware';
import { canMakeRemoteHost, makeRemoteHost, type RemoteHost } from '../support/remote-host';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1'])('%s is this machine', (address) => {
    expect(isLoopback(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1', '0.0.0.0', '::', '', undefined])(
    '%s is another host',
    (address) => {
      expect(isLoopback(address)).toBe(false);
    },
  );
});

const remoteOnly = canMakeRemoteHost() ? describe : describe.skip;

remoteOnly('a service that runs open, seen from another host', () => {
  const app = testAppsClosedAfterAll();
  let remote: RemoteHost;
  const servers: Server[] = [];
  beforeAll(async () => {
    remote = await makeRemoteHost();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await remote?.remove();
  });

  /** The app listening on every interface, as `npm start` does without HOST. */
  async function listening(t: TestApp): Promise<string> {
    const server = t.app.listen(0, '0.0.0.0');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://${remote.serverAddress}:${(server.address() as AddressInfo).port}`;
  }

  it('refuses /v1 with a 403 that says how to create the first key, and mints no admin key', async () => {
    const t = await app({ NODE_ENV: 'development' });
    const base = await listening(t);
    const mint = await remote.fetch(`${base}/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'intruder', role: 'admin' }),
    });
    expect(mint).toEqual({ status: 403, body: expect.objectContaining({ type: '/problems/forbidden', status: 403 }) });
    expect((mint.body as { detail: string }).detail).toMatch(/npm run keys -- create/);
    expect(await t.services.auth.list()).toEqual([]);
    expect((await remote.fetch(`${base}/v1/meters/M-1`)).status).toBe(403);
  });

  it('still serves loopback clients and the health check to everyone', async () => {
    const t = await app({ NODE_ENV: 'development' });
    const base = await listening(t);
    await request(t.app).get('/v1/meters/M-1').expect(404);
    expect((await remote.fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('with a key, serves the other host the routes its key allows', async () => {
    const t = await app({ NODE_ENV: 'development' });
    const { key } = await t.services.auth.create('depot', 'read');
    const base = await listening(t);
    expect((await remote.fetch(`${base}/v1/meters/M-1`)).status).toBe(401);
    expect((await remote.fetch(`${base}/v1/meters/M-1`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(
      404,
    );
  });

  it('AUTH_DISABLED=true opens /v1 to the network on purpose', async () => {
    const t = await app({ NODE_ENV: 'development', AUTH_DISABLED: 'true' });
    const base = await listening(t);
    expect((await remote.fetch(`${base}/v1/meters/M-1`)).status).toBe(404);
  });
});
