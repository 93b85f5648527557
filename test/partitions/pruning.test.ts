import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { gapIndexNames, maintenanceAt } from '../support/partitions';

/**
 * Ten daily partitions of history, a reading every ten minutes, and a 24 h window from 06:00 to 06:00
 * the next day: the analytics statements must read the partitions of 5 and 6 February only. They are
 * captured as the repository sends them and explained with the same parameters; node-postgres sends
 * them as unnamed statements, which PostgreSQL plans for the values given, as it does in service.
 */
let t: TestApp;
const window = { from: '2026-02-05T06:00:00Z', to: '2026-02-06T06:00:00Z' };
const IN_WINDOW = ['p20260205', 'p20260206'];

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db.dataSource;
  await maintenanceAt(db, '2026-02-01T00:00:00Z', { interval: { count: 1, unit: 'day' }, ahead: 9 }).maintain();
  await db.query(`
    INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
    SELECT 'PRUNE-V', ts, 50, 0.02, 25 FROM generate_series(timestamptz '2026-02-01', '2026-02-10 23:50', interval '10 minutes') ts`);
  await db.query(`
    INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
    SELECT 'PRUNE-M', ts, 0.025, 230 FROM generate_series(timestamptz '2026-02-01', '2026-02-10 23:50', interval '10 minutes') ts`);
  await db.query(`
    INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
    VALUES ('PRUNE-V', 'PRUNE-M', '2026-02-01T00:00:00Z', NULL)`);
  await db.query('ANALYZE vehicle_history, meter_history, charging_session');
});
afterAll(() => t.close());

interface PlanNode {
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

/** The one statement a performance request sends, with its parameters. */
async function performanceStatement(query: Record<string, string>): Promise<[string, unknown[]]> {
  const spy = jest.spyOn(t.services.pools.reads, 'query');
  try {
    await request(t.app).get('/v1/analytics/performance/PRUNE-V').query(query).expect(200);
    expect(spy).toHaveBeenCalledTimes(1);
    const [sql, params] = spy.mock.calls[0];
    return [sql, (params ?? []) as unknown[]];
  } finally {
    spy.mockRestore();
  }
}

async function plan([sql, params]: [string, unknown[]], analyze: boolean): Promise<PlanNode[]> {
  const options = analyze ? 'ANALYZE, TIMING OFF, ' : '';
  const [
    {
      'QUERY PLAN': [{ Plan }],
    },
  ] = await t.db.dataSource.query(`EXPLAIN (${options}COSTS OFF, FORMAT JSON) ${sql}`, params);
  return flatten(Plan);
}

/**
 * The partitions of `table` that the plan scans (`read`: that the execution actually entered), each
 * once: a statement scans history for each edge of a span and the rollups for its whole hours.
 */
function partitionsIn(nodes: PlanNode[], table: string, read = false): string[] {
  const prefix = `${table}_`;
  const names = nodes
    .filter((node) => node['Relation Name']?.startsWith(prefix) && (!read || (node['Actual Loops'] ?? 0) > 0))
    .map((node) => node['Relation Name']!.slice(prefix.length));
  return [...new Set(names)].sort();
}

/**
 * The plan's nodes apart from (`gap` false) or only (true) its look-ups of the register gap around a
 * span's end: those read the first gap reading after it, which may lie in any later partition.
 */
async function gapLookups(nodes: PlanNode[], gap: boolean): Promise<PlanNode[]> {
  const gaps = await gapIndexNames(t.db.dataSource);
  return nodes.filter((node) => gaps.has(node['Index Name'] ?? '') === gap);
}

const TABLES = ['vehicle_history', 'meter_history', 'vehicle_rollup_hourly', 'meter_rollup_hourly'];

describe('partition pruning of the analytics statements over a 24 h window', () => {
  it('with a meter given, the plan names only the window’s partitions of both histories and rollups', async () => {
    const nodes = await gapLookups(
      await plan(await performanceStatement({ ...window, meterId: 'PRUNE-M' }), false),
      false,
    );
    for (const table of TABLES) expect([table, partitionsIn(nodes, table)]).toEqual([table, IN_WINDOW]);
  });

  it('by session, the plan names only the window’s partitions of both histories and rollups', async () => {
    const statement = await performanceStatement(window);
    const planned = await gapLookups(await plan(statement, false), false);
    for (const table of TABLES) expect([table, partitionsIn(planned, table)]).toEqual([table, IN_WINDOW]);
    const executed = await plan(statement, true);
    expect(partitionsIn(await gapLookups(executed, false), 'meter_history', true)).toEqual(IN_WINDOW);
    // Runtime pruning keeps the gap look-ups out of the partitions before the window.
    const gaps = await gapLookups(executed, true);
    for (const table of ['meter_history', 'vehicle_history']) {
      expect(partitionsIn(gaps, table, true).filter((name) => name !== 'default' && name < IN_WINDOW[0])).toEqual([]);
    }
  });
});
