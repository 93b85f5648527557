import { startService, type ServiceProcess } from '../support/service-process';
import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';

/*
 * Two processes on one database take register readings of the same devices at once, in any order:
 * each interval must still be measured against the reading just before it, never against one the other
 * process was writing meanwhile.
 */
jest.setTimeout(120_000);

let db: IsolatedDatabase;
const running: ServiceProcess[] = [];
beforeAll(async () => {
  db = await createIsolatedDatabase();
  running.push(await startService(db, {}), await startService(db, {}));
});
afterAll(async () => {
  for (const each of running) each.kill();
  await db.drop();
});

const DEVICES = 12;
const READINGS = 30;
const START = Date.now() - 2 * 3_600_000;

/** A seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

it('readings of one device sent to two replicas at once, shuffled, each measure against the reading before them', async () => {
  const next = random(23);
  const registers = new Map<string, number[]>();
  const posts: Array<{ id: string; minute: number; register: number }> = [];
  for (let d = 0; d < DEVICES; d++) {
    const id = `REPLICA-M${d}`;
    let register = 1_000 + d * 37.5;
    const own: number[] = [];
    for (let minute = 0; minute < READINGS; minute++) {
      register = Math.round((register + next() * 0.4) * 1e6) / 1e6;
      own.push(register);
      posts.push({ id, minute, register });
    }
    registers.set(id, own);
  }
  posts.sort(() => next() - 0.5);
  for (let i = 0; i < posts.length; i += 24) {
    await Promise.all(
      posts.slice(i, i + 24).map(async ({ id, minute, register }, j) => {
        const res = await fetch(`${running[j % 2].url}/v1/ingestion/meter`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            meterId: id,
            kwhRegisterAc: register,
            voltage: 230,
            timestamp: new Date(START + minute * 60_000).toISOString(),
          }),
        });
        expect(res.status).toBe(201);
      }),
    );
  }
  const rows = await db.dataSource.query<Array<{ meter_id: string; kwh: number; register: number; event: string }>>(
    `SELECT meter_id, kwh_consumed_ac AS kwh, kwh_register_ac AS register, register_event AS event
     FROM meter_history WHERE meter_id LIKE 'REPLICA-%' ORDER BY meter_id, ts`,
  );
  expect(rows).toHaveLength(DEVICES * READINGS);
  for (const [id, own] of registers) {
    const stored = rows.filter((row) => row.meter_id === id);
    expect(stored.map((row) => row.event)).toEqual(own.map(() => null));
    // The first reading has nothing to be measured against; each later one, the one before it.
    expect(stored.map((row) => row.kwh)).toEqual(own.map((register, i) => (i === 0 ? 0 : register - own[i - 1])));
  }
});
