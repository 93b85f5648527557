import request from 'supertest';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { gapIndexNames } from '../support/partitions';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The analytics statements must read the whole hours of a window from the hourly rollups and only the
 * partial hours at its edges from history, each through its primary key: a range scan per device,
 * index-only on history, whatever the table size. The statements are captured as the repository sends
 * them and explained with the same parameters.
 */
let t: TestApp;
const VEHICLES = 20;
const DAYS = 3;

beforeAll(async () => {
  t = await createTestApp();
  const db = t.db.dataSource;
  // The monthly partitions the server would have made by then, so the plans are those of production.
  const first = new Date('2026-02-01T00:00:00Z');
  await new PartitionService(
    new PartitionRepository(db, t.config.db.lockTimeoutMs),
    t.config.partitions,
    () => first,
  ).maintain();
  // DAYS of one reading a minute for every device, in arrival order, and a night session each day.
  const minutes = DAYS * 1_440;
  await db.query(`
    INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
    SELECT 'PLAN-V' || (i % ${VEHICLES}), timestamptz '2026-02-01T00:00:00Z' + (i / ${VEHICLES}) * interval '1 minute',
           50, 0.02, 25
    FROM generate_series(0, ${VEHICLES * minutes - 1}) AS i`);
  await db.query(`
    INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage)
    SELECT 'PLAN-M' || (i % ${VEHICLES}), timestamptz '2026-02-01T00:00:00Z' + (i / ${VEHICLES}) * interval '1 minute',
           0.025, 230
    FROM generate_series(0, ${VEHICLES * minutes - 1}) AS i`);
  await db.query(`
    INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
    SELECT 'PLAN-V' || v, 'PLAN-M' || v, day, day + interval '8 hours'
    FROM generate_series(0, ${VEHICLES - 1}) AS v,
         generate_series(0, ${DAYS - 1}) AS d,
         LATERAL (SELECT timestamptz '2026-02-01T00:00:00Z' + d * interval '1 day' AS day) AS days`);
  // The days before today are sealed, as the service does at start: their daily rollups are built.
  await t.services.rollups.seal();
  // Index-only scans skip the heap only for pages the visibility map marks all-visible.
  await db.query('VACUUM ANALYZE vehicle_history, meter_history, charging_session');
});
afterAll(() => t.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  Filter?: string;
  'Actual Loops': number;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

/** The statements `call` sent through the reads pool, where analytics runs, with their parameters. */
async function statementsOf(call: () => Promise<unknown>): Promise<Array<[string, unknown[]]>> {
  const spy = jest.spyOn(t.services.pools.reads, 'query');
  try {
    await call();
    return spy.mock.calls.map(([sql, params]) => [sql, (params ?? []) as unknown[]]);
  } finally {
    spy.mockRestore();
  }
}

/**
 * The scans of history and of the rollups that ran in the executed plans of the statements. A partition
 * that runtime pruning skipped shows as a node that never ran (an empty DEFAULT partition's seq scan,
 * say): it read nothing.
 */
async function scansOf(statements: Array<[string, unknown[]]>): Promise<{ history: PlanNode[]; rollups: PlanNode[] }> {
  const scans: PlanNode[] = [];
  for (const [sql, params] of statements) {
    const [
      {
        'QUERY PLAN': [{ Plan }],
      },
    ] = await t.db.dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const read = flatten(Plan).filter((node) => /^(vehicle|meter)_(history|rollup)/.test(node['Relation Name'] ?? ''));
    scans.push(...read.filter((node) => node['Actual Loops'] > 0));
  }
  const of = (kind: string) => scans.filter((scan) => scan['Relation Name']?.includes(`_${kind}`));
  return { history: of('history'), rollups: of('rollup') };
}

/** Rows a scan returned over all its loops: what the statement read there, whatever the plan around it. */
const rowsOf = (scans: PlanNode[]) => scans.reduce((sum, scan) => sum + scan['Actual Rows'] * scan['Actual Loops'], 0);

function expectRollupsByPrimaryKeys(scans: PlanNode[], tables: string[]): void {
  for (const table of tables) {
    expect(scans.some((scan) => scan['Relation Name']?.startsWith(table))).toBe(true);
  }
  for (const scan of scans) {
    expect({ relation: scan['Relation Name'], index: scan['Index Name'] }).toEqual({
      relation: scan['Relation Name'],
      index: expect.stringMatching(/_rollup_(hourly|daily).*_pkey$/),
    });
  }
}

/**
 * History read index-only through the primary keys; and the look-ups of the register gap around each
 * end of a span, on the indexes of gap readings of the partitions from the span on (a sequential scan
 * of a partition still empty), which find none here and read nothing.
 */
async function expectIndexOnlyOnPrimaryKeys(scans: PlanNode[], tables: string[]): Promise<void> {
  for (const table of tables) {
    expect(scans.some((scan) => scan['Relation Name']?.startsWith(table))).toBe(true);
  }
  const gaps = await gapIndexNames(t.db.dataSource);
  const lookup = (scan: PlanNode) =>
    gaps.has(scan['Index Name'] ?? '') || /\(gap_from IS NOT NULL\)/.test(scan.Filter ?? '');
  for (const scan of scans.filter((scan) => !lookup(scan))) {
    expect({ relation: scan['Relation Name'], type: scan['Node Type'], index: scan['Index Name'] }).toEqual({
      relation: scan['Relation Name'],
      type: 'Index Only Scan',
      index: expect.stringMatching(/_history.*_pkey$/),
    });
    expect(scan['Heap Fetches']).toBe(0);
  }
  expect(rowsOf(scans.filter(lookup))).toBe(0);
}

/** Whole hours, as is the night session 00:00-08:00 inside it: every reading comes from the rollups. */
const window = { from: '2026-02-02T00:00:00Z', to: '2026-02-03T00:00:00Z' };
/**
 * Rollup rows one vehicle needs over `window`: the window is a sealed day, one daily row for the
 * window's figures. The night session lies wholly inside the window and is closed, so its AC and DC
 * are the totals it carries.
 */
const ROLLUP_ROWS = 1;
/** Half past on both ends: the half hours at the edges come from history, the hours between from rollups. */
const ragged = { from: '2026-02-02T00:30:00Z', to: '2026-02-02T23:30:00Z' };

/**
 * One statement, reading history index-only and the rollups through their primary keys; its scans.
 * `devices` are the kinds whose tables it must read at all.
 */
async function oneStatement(call: () => Promise<unknown>, devices = ['vehicle', 'meter']) {
  const statements = await statementsOf(call);
  expect(statements).toHaveLength(1);
  const scans = await scansOf(statements);
  await expectIndexOnlyOnPrimaryKeys(
    scans.history,
    devices.map((device) => `${device}_history`),
  );
  expectRollupsByPrimaryKeys(
    scans.rollups,
    devices.map((device) => `${device}_rollup_hourly`),
  );
  return scans;
}

const performance = (query: Record<string, string>) => () =>
  request(t.app).get('/v1/analytics/performance/PLAN-V3').query(query).expect(200);

describe('analytics statements', () => {
  it('performance by session over whole hours reads only the rollup rows of the window, through the primary keys', async () => {
    const scans = await oneStatement(performance(window), ['vehicle']);
    expect(rowsOf(scans.history)).toBe(0);
    expect(scans.rollups.every((scan) => scan['Relation Name']?.startsWith('vehicle_'))).toBe(true);
    expect(rowsOf(scans.rollups)).toBe(ROLLUP_ROWS);
  });

  it('performance by session reads from history only the partial hours at the edges', async () => {
    const scans = await oneStatement(performance(ragged));
    // 30 minutes at each end of the window (DC, count, temperature), and at the start of the session
    // the window cuts (00:30-01:00) for its AC and for its DC.
    expect(rowsOf(scans.history)).toBe(30 + 30 + 30 + 30);
    expect(rowsOf(scans.rollups)).toBe(22 + 7 + 7);
  });

  it('performance with meterId is one statement reading the same way', async () => {
    const scans = await oneStatement(performance({ ...window, meterId: 'PLAN-M3' }));
    expect(rowsOf(scans.history)).toBe(0);
    // The meter stands for the whole window: 24 hours of the meter, for the AC and the DC of the
    // period, and the vehicle's day for the window's figures.
    expect(rowsOf(scans.rollups)).toBe(24 + 24 + 1);
  });

  it('performance over an empty window adds one look-up of whether the vehicle exists', async () => {
    const statements = await statementsOf(performance({ hours: '1' }));
    expect(statements).toHaveLength(2);
  });

  it(`a fleet page of ${VEHICLES} vehicles is one statement reading each vehicle's rollup rows once`, async () => {
    const scans = await oneStatement(async () => {
      const res = await request(t.app).get('/v1/analytics/fleet/efficiency').query(window).expect(200);
      expect(res.body.vehicles).toHaveLength(VEHICLES);
    }, ['vehicle']);
    expect(rowsOf(scans.history)).toBe(0);
    expect(rowsOf(scans.rollups)).toBe(VEHICLES * ROLLUP_ROWS);
  });
});
