import { Client } from 'pg';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientConfig, type ConnectionTarget } from '../../src/db/data-source';
import { startService } from './environment';
import { followStream, probeReadings, stalledGet, type ProbeResult } from './isolation-clients';
import type { Defer } from './teardown';

const PLANS = {
  full: {
    seconds: 8,
    exportRows: 400_000,
    exports: 12,
    backlogRows: 3_000_000,
    catchUpCapSeconds: 600,
    silentDevices: 2_000,
    hangingEndpoints: 20,
  },
  quick: {
    seconds: 2,
    exportRows: 20_000,
    exports: 6,
    backlogRows: 50_000,
    catchUpCapSeconds: 60,
    silentDevices: 1_000,
    hangingEndpoints: 10,
  },
};
export type IsolationMode = keyof typeof PLANS;

interface Scenario {
  name: string;
  probe: ProbeResult;
  notes: string[];
}

const seconds = (n: number) => AbortSignal.timeout(n * 1_000);
const INSERT_CHUNK = 500_000;

/** A stretch of meter readings written straight into history, oldest `daysBack` ago, newest two hours ago. */
async function loadHistory(db: Client, meters: string, rows: number, daysBack: number): Promise<void> {
  const stepSeconds = (daysBack * 86_400 - 7_200) / rows;
  for (let from = 0; from < rows; from += INSERT_CHUNK) {
    await db.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
       SELECT ${meters}, date_trunc('second', now()) - interval '2 hours' - (g * $3::float8) * interval '1 second', 0.1, 230
       FROM generate_series($1::int, $2::int) g`,
      [from + 1, Math.min(rows, from + INSERT_CHUNK), stepSeconds],
    );
  }
}

/** Moves the rollup seal back to `since`, dropping the rows after it, so everything after is sealed anew. */
async function unseal(db: Client, since: string): Promise<void> {
  await db.query(
    `UPDATE rollup_seal SET hours_until = date_trunc('hour', ${since}), days_until = date_trunc('day', ${since})`,
  );
  for (const kind of ['meter', 'vehicle']) {
    await db.query(`DELETE FROM ${kind}_rollup_hourly WHERE hour >= (SELECT hours_until FROM rollup_seal)`);
    await db.query(`DELETE FROM ${kind}_rollup_daily WHERE day >= (SELECT days_until FROM rollup_seal)`);
  }
}

const runningCopies = async (db: Client) =>
  (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ~* '^\\s*COPY' AND state = 'active'`,
    )
  ).rows[0].n;
const sealedUntil = async (db: Client) =>
  (await db.query<{ at: Date }>('SELECT hours_until AS at FROM rollup_seal')).rows[0].at;

async function exportsHeld(url: string, db: Client, plan: (typeof PLANS)[IsolationMode]): Promise<Scenario> {
  await loadHistory(db, `'ISO-EXPORT'`, plan.exportRows, Math.ceil((plan.exportRows * 5) / 86_400) + 1);
  const from = new Date(Date.now() - 364 * 86_400_000).toISOString();
  const path = `/v1/meters/ISO-EXPORT/readings?from=${from}&to=${new Date().toISOString()}`;
  const clients = Array.from({ length: plan.exports }, () => stalledGet(url, path, { Accept: 'text/csv' }));
  const statuses = await Promise.all(clients.map((client) => client.status));
  const probe = await probeReadings(url, seconds(plan.seconds), 'export');
  const during = await runningCopies(db);
  for (const client of clients) client.socket.destroy();
  await sleep(3_000);
  const byStatus = statuses.reduce<Record<number, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
  return {
    name: `${plan.exports} CSV exports of ${plan.exportRows.toLocaleString('en')} rows, clients never read`,
    probe,
    notes: [
      `exports answered ${JSON.stringify(byStatus)}`,
      `COPYs running: ${during} held, ${await runningCopies(db)} 3 s after the clients left`,
    ],
  };
}

async function partitionHeld(
  url: string,
  db: Client,
  target: ConnectionTarget,
  plan: (typeof PLANS)[IsolationMode],
): Promise<Scenario> {
  await unseal(db, `now() - interval '3 hours'`);
  await db.query(`UPDATE stream_follow SET followed_until = now() - interval '1 second'`);
  const holder = new Client(clientConfig(target));
  await holder.connect();
  const { rows } = await holder.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'meter_history'::regclass ORDER BY c.relname LIMIT 1`,
  );
  await holder.query('BEGIN');
  // What VACUUM, ANALYZE and CREATE INDEX CONCURRENTLY take on a partition.
  await holder.query(`LOCK TABLE ${rows[0].name} IN SHARE UPDATE EXCLUSIVE MODE`);
  const sealedBefore = await sealedUntil(db);
  const stream = followStream(url);
  const probe = await probeReadings(url, seconds(plan.seconds), 'held');
  const streamStatus = await Promise.race([stream.status, sleep(1_000, 'no answer yet')]);
  const sealedHeld = await sealedUntil(db);
  await holder.query('ROLLBACK');
  await holder.end();
  await sleep(3_000);
  stream.close();
  return {
    name: `${rows[0].name} held in SHARE UPDATE EXCLUSIVE; a stream client arrives; seal every second`,
    probe,
    notes: [
      `stream client: ${await Promise.race([stream.status, sleep(0, streamStatus)])}`,
      `seal mark: ${sealedBefore.toISOString()} before, ${sealedHeld.toISOString()} while held, ${(await sealedUntil(db)).toISOString()} 3 s after release`,
    ],
  };
}

/** A receiver that takes every request and never answers: each delivery holds its attempt to the timeout. */
async function hangingReceiver(defer: Defer): Promise<Server> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer('stop the hanging webhook receiver', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return server;
}

/**
 * Devices falling silent by the thousand while every webhook endpoint hangs: the alarm check raises its
 * most per run each second, each raise writing a delivery per endpoint, and the deliverer's attempts sit
 * on receivers that never answer.
 */
async function alarmStorm(
  url: string,
  db: Client,
  plan: (typeof PLANS)[IsolationMode],
  defer: Defer,
): Promise<Scenario> {
  const receiver = await hangingReceiver(defer);
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  for (let i = 0; i < plan.hangingEndpoints; i++) {
    const res = await fetch(`${url}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${hook}/${i}` }),
    });
    if (res.status !== 201) throw new Error(`webhook endpoint not added: ${res.status} ${await res.text()}`);
  }
  await db.query(
    `INSERT INTO meter_live (meter_id, ts, kwh_consumed_ac, voltage)
     SELECT 'QUIET-' || g, now() - interval '1 hour', 0, 230 FROM generate_series(1, $1::int) g`,
    [plan.silentDevices],
  );
  const probe = await probeReadings(url, seconds(plan.seconds), 'alarms');
  const [{ alarms, deliveries }] = (
    await db.query<{ alarms: number; deliveries: number }>(
      `SELECT (SELECT count(*)::int FROM alarm) AS alarms, (SELECT count(*)::int FROM webhook_delivery) AS deliveries`,
    )
  ).rows;
  // The next scenario's service must not inherit endpoints it may not reach, nor the silent devices.
  await db.query(`DELETE FROM webhook_endpoint`);
  await db.query(`DELETE FROM meter_live WHERE meter_id LIKE 'QUIET-%'`);
  return {
    name: `${plan.silentDevices.toLocaleString('en')} devices fall silent; ${plan.hangingEndpoints} webhook endpoints never answer; alarm check every second`,
    probe,
    notes: [`${alarms} alarms raised and ${deliveries} deliveries written while probing`],
  };
}

async function backlog(
  target: ConnectionTarget,
  db: Client,
  plan: (typeof PLANS)[IsolationMode],
  defer: Defer,
): Promise<Scenario> {
  await unseal(db, `now() - interval '91 days'`);
  await loadHistory(db, `'BL-' || (g % 1000)`, plan.backlogRows, 90);
  const started = performance.now();
  const service = await startService(target, defer, { ROLLUP_SEAL_INTERVAL_MS: '1000' });
  const stop = new AbortController();
  const probing = probeReadings(service.url, stop.signal, 'backlog');
  const marks: Date[] = [];
  const cap = Date.now() + plan.catchUpCapSeconds * 1_000;
  while (Date.now() < cap) {
    marks.push(await sealedUntil(db));
    if (Date.now() - marks[marks.length - 1].getTime() < 2 * 3_600_000) break;
    await sleep(1_000);
  }
  stop.abort();
  const probe = await probing;
  const caughtUp = Date.now() - marks[marks.length - 1].getTime() < 2 * 3_600_000;
  await service.stop();
  return {
    name: `a backlog of ${plan.backlogRows.toLocaleString('en')} unsealed readings over 90 days, sealed while readings arrive`,
    probe,
    notes: [
      caughtUp
        ? `sealed up to the last hour in ${((performance.now() - started) / 1_000).toFixed(0)} s, through ${new Set(marks.map(Number)).size} distinct marks seen once a second`
        : `not caught up within ${plan.catchUpCapSeconds} s: mark at ${marks[marks.length - 1].toISOString()}`,
    ],
  };
}

const row = ({ name, probe: p, notes }: Scenario) =>
  `| ${name} | ${p.sent} | ${Object.entries(p.statuses)
    .map(([s, n]) => `${s}: ${n}`)
    .join(
      ', ',
    )} | ${p.p50Ms.toFixed(0)} | ${p.p99Ms.toFixed(0)} | ${p.maxMs.toFixed(0)} | ${p.overOneSecond} | ${notes.join('; ')} |`;

/**
 * `--isolation`: single readings posted by steady devices while readers and upkeep do their worst,
 * against the same devices on a quiet service first.
 */
export async function isolationRun(target: ConnectionTarget, mode: IsolationMode, defer: Defer) {
  const plan = PLANS[mode];
  const db = new Client(clientConfig(target));
  await db.connect();
  defer('close the bench connection', () => db.end());
  // Every export is let in: the scenario is ingestion beside that many COPYs held open, not their refusal.
  const service = await startService(target, defer, {
    ROLLUP_SEAL_INTERVAL_MS: '1000',
    EXPORT_MAX_CONCURRENT: String(plan.exports),
    EXPORT_MAX_PER_KEY: String(plan.exports),
    ALARM_CHECK_INTERVAL_MS: '1000',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  const scenarios: Scenario[] = [
    { name: 'quiet service', probe: await probeReadings(service.url, seconds(plan.seconds), 'quiet'), notes: [] },
    await exportsHeld(service.url, db, plan),
    await partitionHeld(service.url, db, target, plan),
    await alarmStorm(service.url, db, plan, defer),
  ];
  await service.stop();
  scenarios.push(await backlog(target, db, plan, defer));
  const missed = scenarios.flatMap(({ name, probe }) =>
    probe.p99Ms >= 1_000 || probe.sent !== (probe.statuses['201'] ?? 0)
      ? [`${name}: p99 ${probe.p99Ms.toFixed(0)} ms, ${JSON.stringify(probe.statuses)}`]
      : [],
  );
  const table = [
    '| scenario | readings | answers | p50 ms | p99 ms | max ms | over 1 s | notes |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...scenarios.map(row),
  ];
  const postgres = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  return { table, missed, postgres };
}
