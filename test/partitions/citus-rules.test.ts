import { createIsolatedDatabase, type IsolatedDatabase } from '../support/test-database';

/**
 * The schema must stay distributable on Citus as docs/scaling.md plans it. Citus refuses a primary key,
 * unique index or exclusion constraint that does not include the distribution column (compared with
 * equality, for an exclusion), and foreign keys between distributed tables unless they are co-located
 * and keyed on it; this plan has none at all. The rules are read from the migrated schema, so a
 * migration that breaks them fails here rather than on the day of the move.
 */
type Placement = { distributedBy: string; colocatedWith: string } | 'reference' | 'coordinator';

const PLAN: Record<string, Placement> = {
  meter_history: { distributedBy: 'meter_id', colocatedWith: 'meter_history' },
  meter_live: { distributedBy: 'meter_id', colocatedWith: 'meter_history' },
  vehicle_history: { distributedBy: 'vehicle_id', colocatedWith: 'vehicle_history' },
  vehicle_live: { distributedBy: 'vehicle_id', colocatedWith: 'vehicle_history' },
  // Written by a trigger on their history table in the same statement: on the same node, by the same device.
  meter_rollup_hourly: { distributedBy: 'meter_id', colocatedWith: 'meter_history' },
  vehicle_rollup_hourly: { distributedBy: 'vehicle_id', colocatedWith: 'vehicle_history' },
  meter_rollup_daily: { distributedBy: 'meter_id', colocatedWith: 'meter_history' },
  vehicle_rollup_daily: { distributedBy: 'vehicle_id', colocatedWith: 'vehicle_history' },
  // One row the history triggers read on every insert, on every node.
  rollup_seal: 'reference',
  // One row every ingest statement reads: whether anyone follows the live stream.
  stream_follow: 'reference',
  // Its two overlap rules (per vehicle, per meter) share no distribution column; one copy per node keeps both.
  charging_session: 'reference',
  api_key: 'reference',
  // The registry: a few thousand rows, looked up by id from every node.
  device: 'reference',
  // Read with the keys by every process, written when operators issue or revoke one.
  device_credential: 'reference',
  // A gateway key's devices, read with the keys; its foreign keys stay between reference tables.
  api_key_device: 'reference',
  // When keys and credentials were last used: written now and then by each process, read by key lists.
  credential_use: 'reference',
  // One row every process reads often: whether keys or devices changed.
  access_version: 'reference',
  // Alarms and their history: a few rows a day, written in the transactions that also write webhook
  // deliveries, and read by id or by time from every node.
  alarm: 'reference',
  alarm_change: 'reference',
  // Webhook endpoints and their outbox: written in those same transactions, claimed and recorded by
  // every process; a few rows per alarm change, and foreign keys that stay between reference tables.
  webhook_endpoint: 'reference',
  webhook_delivery: 'reference',
  webhook_attempt: 'reference',
  // Readings moved aside for being outside the physical bounds; only operators read them.
  reading_quarantine: 'coordinator',
  // TypeORM's record of applied migrations; only the process running migrations reads it.
  migrations: 'coordinator',
};

const distributed = Object.entries(PLAN).flatMap(([table, placement]) =>
  typeof placement === 'object' ? [{ table, ...placement }] : [],
);

let db: IsolatedDatabase;
beforeAll(async () => {
  db = await createIsolatedDatabase();
});
afterAll(() => db.drop());

const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> => db.dataSource.query(sql, params);

describe('the schema keeps the rules of a Citus distribution', () => {
  it('places every table: partitions follow their parent, anything new must be added to the plan', async () => {
    const tables = await query<{ name: string }>(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY 1`);
    expect(tables.map((table) => table.name)).toEqual(Object.keys(PLAN).sort());
  });

  it('co-located tables share the type of their distribution column', async () => {
    const columns = await query<{ table: string; type: string }>(
      `SELECT table_name AS "table", data_type AS type FROM information_schema.columns
       WHERE table_schema = 'public' AND (table_name, column_name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [distributed.map((entry) => entry.table), distributed.map((entry) => entry.distributedBy)],
    );
    expect(columns).toHaveLength(distributed.length);
    for (const { table, colocatedWith } of distributed) {
      const type = columns.find((column) => column.table === table)?.type;
      expect({ table, type }).toEqual({ table, type: columns.find((column) => column.table === colocatedWith)?.type });
    }
  });

  it.each(distributed)(
    'every key, unique index and exclusion on $table includes $distributedBy',
    async ({ table, distributedBy }) => {
      // Unique indexes cover primary keys and unique constraints; exclusion constraints have indexes too.
      const indexes = await query<{ name: string; columns: string[]; equality: boolean | null }>(
        `SELECT c.relname AS name,
              array(SELECT a.attname FROM unnest(i.indkey) AS k(attnum)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
              (SELECT o.oprname = '=' FROM unnest(x.conkey, x.conexclop) AS e(attnum, op)
               JOIN pg_attribute a ON a.attrelid = x.conrelid AND a.attnum = e.attnum
               JOIN pg_operator o ON o.oid = e.op
               WHERE a.attname = $2) AS equality
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       LEFT JOIN pg_constraint x ON x.conindid = i.indexrelid AND x.contype = 'x'
       WHERE i.indrelid = $1::regclass AND (i.indisunique OR i.indisexclusion)
       ORDER BY 1`,
        [table, distributedBy],
      );
      expect(indexes.length).toBeGreaterThan(0);
      for (const index of indexes) {
        expect({ index: index.name, includesDistributionColumn: index.columns.includes(distributedBy) }).toEqual({
          index: index.name,
          includesDistributionColumn: true,
        });
        if (index.equality !== null)
          expect({ index: index.name, equality: index.equality }).toEqual({ index: index.name, equality: true });
      }
    },
  );

  it('no foreign key points at a distributed table, and none leaves a reference table for one', async () => {
    const keys = await query<{ name: string; from: string; to: string }>(`
      SELECT conname AS name, conrelid::regclass::text AS "from", confrelid::regclass::text AS "to"
      FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`);
    const isDistributed = (table: string) => typeof PLAN[table] === 'object';
    expect(keys.filter((key) => isDistributed(key.to))).toEqual([]);
    expect(keys.filter((key) => PLAN[key.from] === 'reference' && PLAN[key.to] !== 'reference')).toEqual([]);
  });
});
