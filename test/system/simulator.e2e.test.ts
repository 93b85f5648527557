import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { main } from '../../tools/simulator/simulate.cli';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let server: Server;
let url: string;

beforeAll(async () => {
  t = await createTestApp();
  server = await new Promise<Server>((resolve) => {
    const listening = t.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // fetch keeps its connections alive; close() alone would wait for them to idle out.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

/** The CLI as a shell would run it, with what it prints captured. */
async function simulate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk) => (printed += chunk));
  const outcome = await main(['--url', url, '--as-fast-as-possible', ...args], out, env);
  return { ...outcome, printed };
}

const count = async (sql: string) => Number((await t.db.dataSource.query(sql))[0].n);

describe('npm run simulate against the real app', () => {
  it('stores all it was acknowledged, closes its sessions, and sees exactly the faulty vehicle flagged', async () => {
    const { exitCode, result, check, printed } = await simulate([
      ...['--meters', '5', '--vehicles', '5', '--faulty', '20%', '--duration', '2h', '--seed', '11', '--prefix', 'E2E'],
      ...['--mode', 'mixed', '--batch-size', '100', '--late', '3%', '--retries', '3%', '--report'],
    ]);
    expect(printed).toContain('progress 100%');
    expect(exitCode).toBe(0);
    const { readings, sessions } = result!;

    expect(readings.generated).toBe(10 * 120);
    expect(readings.late).toBeGreaterThan(0);
    expect(readings.retries).toBeGreaterThan(0);
    expect(readings).toMatchObject({
      stored: readings.generated,
      duplicates: readings.retries,
      rejected: 0,
      failed: 0,
    });
    const history = await count(
      `SELECT (SELECT count(*) FROM meter_history WHERE meter_id LIKE 'E2E-%')
            + (SELECT count(*) FROM vehicle_history WHERE vehicle_id LIKE 'E2E-%') AS n`,
    );
    expect(history).toBe(readings.stored);

    expect(sessions.opened).toBeGreaterThan(0);
    expect(sessions).toMatchObject({ closed: sessions.opened, failed: 0 });
    expect(await count(`SELECT count(*) AS n FROM charging_session WHERE vehicle_id LIKE 'E2E-%'`)).toBe(
      sessions.opened,
    );
    expect(await count(`SELECT count(*) AS n FROM charging_session WHERE ended_at IS NULL`)).toBe(0);

    const faulty = result!.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId);
    expect(faulty).toHaveLength(1);
    // The seed is one where the faulty vehicle plugs in; without a session there is no ratio to flag.
    expect(check!.expected).toEqual(faulty);
    expect(check!.flagged.map((vehicle) => vehicle.vehicleId)).toEqual(faulty);
    expect(check!.matches).toBe(true);
    expect(printed).toContain(`matches the faulty vehicles that charged (${faulty[0]})`);
  });

  it('sends its API key once the service has keys, and stops at the first refusal without one', async () => {
    const { key } = await t.services.auth.create('simulator', 'admin');
    const tiny = ['--meters', '2', '--vehicles', '2', '--duration', '10m', '--seed', '5'];

    const keyed = await simulate([...tiny, '--prefix', 'KEYED', '--api-key', key]);
    expect(keyed.exitCode).toBe(0);
    expect(keyed.result!.readings).toMatchObject({ generated: 40, failed: 0 });

    const fromEnvironment = await simulate([...tiny, '--prefix', 'KEYENV'], { FLEET_API_KEY: key });
    expect(fromEnvironment.exitCode).toBe(0);
    expect(fromEnvironment.result!.readings).toMatchObject({ generated: 40, stored: 40, failed: 0 });

    const keyless = await simulate([...tiny, '--prefix', 'KEYLESS']);
    expect(keyless.exitCode).toBe(1);
    expect(keyless.result!.readings.stored).toBe(0);
    expect(keyless.result!.stoppedEarly).toMatch(/^the service refused the simulator: 401 An API key is required/);
    expect(keyless.printed).toMatch(/Errors +401 ×\d+ \(An API key is required/);
  });
});
