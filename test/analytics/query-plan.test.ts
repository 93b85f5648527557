import request from 'supertest';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The analytics statements must read history through the covering primary keys only: an index-only
 * range scan per device, whatever the table size. The statements are captured as the repository sends
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
  await new PartitionService(new PartitionRepository(db), t.config.partitions, () => first).maintain();
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
  // Index-only scans skip the heap only for pages the visibility map marks all-visible.
  await db.query('VACUUM ANALYZE vehicle_history, meter_history, charging_session');
});
afterAll(() => t.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Heap Fetches'?: number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

/** The statements `call` sent through the data source, with their parameters. */
async function statementsOf(call: () => Promise<unknown>): Promise<Array<[string, unknown[]]>> {
  const spy = jest.spyOn(t.db.dataSource, 'query');
  try {
    await call();
    return spy.mock.calls.map(([sql, params]) => [sql, (params ?? []) as unknown[]]);
  } finally {
    spy.mockRestore();
  }
}

/**
 * The scans of history that ran in the executed plans of the statements. A partition that runtime
 * pruning skipped shows as a node that never ran (an empty DEFAULT partition's seq scan, say): it read nothing.
 */
async function historyScans(statements: Array<[string, unknown[]]>): Promise<PlanNode[]> {
  const scans: PlanNode[] = [];
  for (const [sql, params] of statements) {
    const [
      {
        'QUERY PLAN': [{ Plan }],
      },
    ] = await t.db.dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const history = flatten(Plan).filter((node) => /^(vehicle|meter)_history/.test(node['Relation Name'] ?? ''));
    scans.push(...history.filter((node) => node['Actual Loops'] > 0));
  }
  return scans;
}

function expectIndexOnlyOnPrimaryKeys(scans: PlanNode[], tables: string[]): void {
  for (const table of tables) {
    expect(scans.some((scan) => scan['Relation Name']?.startsWith(table))).toBe(true);
  }
  for (const scan of scans) {
    expect({ relation: scan['Relation Name'], type: scan['Node Type'], index: scan['Index Name'] }).toEqual({
      relation: scan['Relation Name'],
      type: 'Index Only Scan',
      index: expect.stringMatching(/_history.*_pkey$/),
    });
    expect(scan['Heap Fetches']).toBe(0);
  }
}

const window = { from: '2026-02-02T00:00:00Z', to: '2026-02-03T00:00:00Z' };

describe('analytics statements', () => {
  it('performance by session is one statement reading both histories index-only through their primary keys', async () => {
    const statements = await statementsOf(() =>
      request(t.app).get('/v1/analytics/performance/PLAN-V3').query(window).expect(200),
    );
    expect(statements).toHaveLength(1);
    expectIndexOnlyOnPrimaryKeys(await historyScans(statements), ['vehicle_history', 'meter_history']);
  });

  it('performance with meterId is one statement reading index-only too', async () => {
    const statements = await statementsOf(() =>
      request(t.app)
        .get('/v1/analytics/performance/PLAN-V3')
        .query({ ...window, meterId: 'PLAN-M3' })
        .expect(200),
    );
    expect(statements).toHaveLength(1);
    expectIndexOnlyOnPrimaryKeys(await historyScans(statements), ['vehicle_history', 'meter_history']);
  });

  it('performance over an empty window adds one look-up of whether the vehicle exists', async () => {
    const statements = await statementsOf(() =>
      request(t.app).get('/v1/analytics/performance/PLAN-V3').query({ hours: '1' }).expect(200),
    );
    expect(statements).toHaveLength(2);
  });

  it(`a fleet page of ${VEHICLES} vehicles is one statement scanning per vehicle index-only, never a whole table`, async () => {
    const statements = await statementsOf(async () => {
      const res = await request(t.app).get('/v1/analytics/fleet/efficiency').query(window).expect(200);
      expect(res.body.vehicles).toHaveLength(VEHICLES);
    });
    expect(statements).toHaveLength(1);
    expectIndexOnlyOnPrimaryKeys(await historyScans(statements), ['vehicle_history', 'meter_history']);
  });
});
