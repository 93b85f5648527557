import { PassThrough } from 'node:stream';
import { main } from '../../tools/simulator/simulate.cli';
import { servedTestApp } from '../support/listening';

const served = servedTestApp();

function captured() {
  const stream = new PassThrough();
  const text = { value: '' };
  stream.on('data', (chunk) => (text.value += chunk));
  return { stream, text };
}

/** The CLI as a shell would run it, with what it prints to stdout and stderr captured. */
async function simulate(args: string[], env: NodeJS.ProcessEnv = {}) {
  const [out, err] = [captured(), captured()];
  const outcome = await main(['--url', served.url, '--as-fast-as-possible', ...args], out.stream, env, err.stream);
  return { ...outcome, printed: out.text.value, warned: err.text.value };
}

const count = async (sql: string) => Number((await served.t.db.dataSource.query(sql))[0].n);

describe('npm run simulate against the real app', () => {
  it('stores all it was acknowledged, closes its sessions, and sees exactly the faulty vehicle flagged', async () => {
    const { exitCode, result, check, printed } = await simulate([
      ...['--meters', '5', '--vehicles', '5', '--faulty', '20%', '--duration', '2h', '--seed', '11', '--prefix', 'E2E'],
      ...['--mode', 'mixed', '--batch-size', '100', '--late', '3%', '--retries', '3%', '--report'],
      // No timer raises alarms in the test app: simulator-alarms.e2e.test.ts runs them for the alarm check.
      '--no-alarms',
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
    const { key } = await served.t.services.auth.create('simulator', 'admin');
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

  describe('with device tokens', () => {
    const small = ['--meters', '3', '--vehicles', '3', '--duration', '30m', '--seed', '8'];
    const disorderly = ['--mode', 'mixed', '--batch-size', '50', '--late', '5%', '--retries', '5%'];
    const fleetOf = (prefix: string) =>
      count(`SELECT count(*) AS n FROM device WHERE id LIKE '${prefix}-%' AND decommissioned_at IS NULL`);
    const liveTokens = (prefix: string) =>
      count(`SELECT count(*) AS n FROM device_credential WHERE device_id LIKE '${prefix}-%' AND revoked_at IS NULL`);
    const history = (prefix: string) =>
      count(`SELECT (SELECT count(*) FROM meter_history WHERE meter_id LIKE '${prefix}-%')
                  + (SELECT count(*) FROM vehicle_history WHERE vehicle_id LIKE '${prefix}-%') AS n`);

    it('imports the fleet with an admin key and writes each reading with its own device token, printing none', async () => {
      const { key } = await served.t.services.auth.create('simulator tokens', 'admin');
      // Two hours back, so that the re-run below, up to now, comes after it: an open session overlaps any later one.
      const start = new Date(Math.floor(Date.now() / 60_000 - 120) * 60_000).toISOString();
      const first = await simulate([...small, ...disorderly, '--prefix', 'TOK', '--start', start], {
        FLEET_API_KEY: key,
      });
      expect(first.exitCode).toBe(0);
      const { readings, sessions } = first.result!;
      expect(readings.generated).toBe(6 * 30);
      expect(readings.retries).toBeGreaterThan(0);
      expect(readings).toMatchObject({ stored: readings.generated, duplicates: readings.retries, failed: 0 });
      expect(sessions.opened).toBeGreaterThan(0);
      expect(sessions).toMatchObject({ closed: sessions.opened, failed: 0 });
      expect(await history('TOK')).toBe(readings.generated);
      expect(await fleetOf('TOK')).toBe(6);
      expect(await liveTokens('TOK')).toBe(6);

      // Every device wrote with a credential of its own: uses are noted per credential, not per key.
      await served.t.services.auth.recordUse();
      const used = await count(`SELECT count(DISTINCT c.device_id) AS n FROM credential_use u
        JOIN device_credential c ON c.id = u.id WHERE c.device_id LIKE 'TOK-%'`);
      expect(used).toBe(6);
      expect(first.printed).toContain('6 devices post with their own token');
      expect(first.warned).toBe('');
      expect(first.printed + first.warned).not.toContain('fpd_');

      // A re-run cannot know the last run's tokens: it gets fresh ones, the service keeping two live a device.
      const second = await simulate([...small, '--prefix', 'TOK'], { FLEET_API_KEY: key });
      expect(second.exitCode).toBe(0);
      expect(second.result!.readings).toMatchObject({ stored: 6 * 30, failed: 0 });
      expect(await liveTokens('TOK')).toBe(12);
      expect(second.printed + second.warned).not.toContain('fpd_');
    });

    it('posts with the key when it is not admin, saying so once, or when told to', async () => {
      const meters = ['--meters', '3', '--vehicles', '0', '--duration', '20m', '--seed', '9'];
      const { key: ingest } = await served.t.services.auth.create('simulator ingest', 'ingest');
      const weak = await simulate([...meters, '--prefix', 'WEAK', '--mode', 'batch'], { FLEET_API_KEY: ingest });
      expect(weak.exitCode).toBe(0);
      expect(weak.result!.readings).toMatchObject({ stored: 60, failed: 0 });
      expect(weak.result!.failures.size).toBe(0);
      expect(weak.warned).toMatch(
        /^Device tokens: the key is not an admin key \(POST \/v1\/devices\/import answered 403/,
      );
      expect(weak.warned.trim().split('\n')).toHaveLength(1);

      const { key: admin } = await served.t.services.auth.create('simulator opted out', 'admin');
      const optedOut = await simulate([...meters, '--prefix', 'OPTOUT', '--no-device-tokens'], {
        FLEET_API_KEY: admin,
      });
      expect(optedOut.exitCode).toBe(0);
      expect(optedOut.result!.readings).toMatchObject({ stored: 60, failed: 0 });
      expect(optedOut.warned).toBe('');
      expect(await liveTokens('OPTOUT')).toBe(0);
    });
  });
});
