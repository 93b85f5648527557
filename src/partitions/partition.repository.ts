import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../db/sql';
import type { TimeRange } from './partition.calendar';

export const HISTORY_TABLES = ['meter_history', 'vehicle_history'] as const;
/** The hourly and daily rollups of history, partitioned over the same intervals and kept as long. */
export const ROLLUP_TABLES = [
  'meter_rollup_hourly',
  'vehicle_rollup_hourly',
  'meter_rollup_daily',
  'vehicle_rollup_daily',
] as const;
/** Every table partition maintenance keeps, histories first, with the column its partitions range over. */
export const PARTITION_KEYS = {
  meter_history: 'ts',
  vehicle_history: 'ts',
  meter_rollup_hourly: 'hour',
  vehicle_rollup_hourly: 'hour',
  meter_rollup_daily: 'day',
  vehicle_rollup_daily: 'day',
} as const;
export type PartitionedTable = keyof typeof PARTITION_KEYS;
/** The history whose insert trigger writes each rollup table. */
const ROLLUP_SOURCES: Partial<Record<PartitionedTable, string>> = {
  meter_rollup_hourly: 'meter_history',
  vehicle_rollup_hourly: 'vehicle_history',
  meter_rollup_daily: 'meter_history',
  vehicle_rollup_daily: 'vehicle_history',
};
export const PARTITIONED_TABLES = [...HISTORY_TABLES, ...ROLLUP_TABLES] as PartitionedTable[];

/**
 * The closed sessions' stored energy (charging_session.kwh_*_micro) once an hourly rollup partition
 * [$1, $2) is dropped: history's goes first (PARTITIONED_TABLES), so by then both are gone. A session
 * whose readings all lay in the range has none left; one across a bound is left for the next rollup
 * seal to count again from what remains, and read from rollups and history until then. Nothing can
 * add to them meanwhile: DETACH holds the rollup, which every reading's insert trigger writes.
 */
const SESSION_RECOUNT = sql`
  UPDATE charging_session
  SET kwh_ac_micro = CASE WHEN started_at >= $1 AND ended_at < $2 THEN 0 END,
      kwh_dc_micro = CASE WHEN started_at >= $1 AND ended_at < $2 THEN 0 END
  WHERE ended_at IS NOT NULL AND ended_at > $1 AND started_at < $2::timestamptz + interval '1 hour'`;
const recountAfterDropping: Partial<Record<PartitionedTable, string>> = {
  meter_rollup_hourly: SESSION_RECOUNT,
  vehicle_rollup_hourly: SESSION_RECOUNT,
};

export interface Partition extends TimeRange {
  name: string;
}

/**
 * The DDL of one partitioned table's partitions, run while holding its maintenance lock. Each change is a
 * transaction of its own, so the table locks it takes are held only for that change.
 */
export interface PartitionSession {
  /** Every partition but the default one, with its bounds. */
  partitions(): Promise<Partition[]>;
  /** Creates the partition and moves into it the rows of the default partition it covers; returns their number. */
  create(name: string, range: { from: Date; to: Date }): Promise<number>;
  /** Detaches the partition and drops it with its rows. */
  drop(partition: Partition): Promise<void>;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Partition DDL waits at most this long for a table lock, then gives up until the next run: a DDL
 * statement queued behind a long query would otherwise hold up every reading queued behind it.
 */
const LOCK_TIMEOUT = '5s';

const MAINTENANCE_LOCK = `hashtext('fleet-platform:partitions:' || $1)`;

/**
 * The statements with a fixed text, by name (tools/sql-snapshots.ts keeps them readable under sql/);
 * $1 is always the partitioned table. The DDL names tables, so it is built per call in TableSession.
 */
export const PARTITION_STATEMENTS = {
  tryLock: sql`SELECT pg_try_advisory_lock(${MAINTENANCE_LOCK}) AS locked`,
  unlock: sql`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK})`,
  lockTimeout: sql`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`,
  isPartitioned: sql`SELECT 1 FROM pg_partitioned_table WHERE partrelid = $1::regclass`,
  /** The bounds are printed and read back in the session's time zone, so they round-trip exactly. */
  partitions: sql`
    SELECT c.relname AS name,
           CASE b.m[1] WHEN 'MINVALUE' THEN '-infinity'::float8
             ELSE extract(epoch FROM btrim(b.m[1], '''')::timestamptz)::float8 * 1000 END AS "from",
           CASE b.m[2] WHEN 'MAXVALUE' THEN 'infinity'::float8
             ELSE extract(epoch FROM btrim(b.m[2], '''')::timestamptz)::float8 * 1000 END AS "to"
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$') AS b(m)
    WHERE i.inhparent = $1::regclass AND c.oid <> p.partdefid
    ORDER BY 2`,
  /** The default partition, if any, and the table's columns, as a list to copy rows with. */
  sessionRecount: SESSION_RECOUNT,
  layout: sql`
    SELECT nullif(p.partdefid, 0)::regclass::text AS fallback,
           (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = p.partrelid AND attnum > 0 AND NOT attisdropped) AS columns
    FROM pg_partitioned_table p WHERE p.partrelid = $1::regclass`,
};
const SQL = PARTITION_STATEMENTS;

export class PartitionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Runs `work` on one connection holding the maintenance lock of `table` throughout, or returns
   * undefined at once when another session (another replica) holds it: that one is already doing the
   * same work. The lock is the session's, not a transaction's, so it spans the separate transactions
   * of the changes.
   */
  async underLock<T>(table: PartitionedTable, work: (session: PartitionSession) => Promise<T>): Promise<T | undefined> {
    const runner = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = (await runner.query(SQL.tryLock, [table])) as Array<{ locked: boolean }>;
      if (!locked) return undefined;
      try {
        return await work(new TableSession(runner.manager, table));
      } finally {
        await runner.query(SQL.unlock, [table]);
      }
    } finally {
      await runner.release();
    }
  }
}

class TableSession implements PartitionSession {
  constructor(
    /** Bound to the connection holding the maintenance lock. */
    private readonly connection: EntityManager,
    private readonly table: PartitionedTable,
  ) {}

  /** One change in a transaction of its own, which waits at most LOCK_TIMEOUT for any lock. */
  private change<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.connection.transaction(async (manager) => {
      await manager.query(SQL.lockTimeout);
      return work(manager);
    });
  }

  async partitions(): Promise<Partition[]> {
    const [parent] = await this.connection.query<unknown[]>(SQL.isPartitioned, [this.table]);
    if (!parent) throw new Error(`${this.table} is not partitioned yet; run the migrations first`);
    const rows = await this.connection.query<Array<{ name: string; from: number; to: number }>>(SQL.partitions, [
      this.table,
    ]);
    return rows.map((row) => ({ name: row.name, from: Number(row.from), to: Number(row.to) }));
  }

  /**
   * Built aside and attached, rather than CREATE … PARTITION OF: a new range must not hold rows the
   * default partition already has, so those move first. The locks are taken in the order a reading's
   * INSERT takes them, the parent first and then the partition it routes to, so the two cannot
   * deadlock. On the parent, the SHARE UPDATE EXCLUSIVE lock that ATTACH needs, which lets readings
   * keep flowing to the other partitions; on the default partition an exclusive lock, so no reading
   * lands there while its rows move. A reading routed there just before the ATTACH fails its partition
   * check once that commits, and the ingestion repository writes it again into the new partition.
   * The rows move into the partition itself, not through the parent, so the history tables' rollup
   * triggers, which are on the parents, do not count them a second time.
   */
  async create(name: string, range: { from: Date; to: Date }): Promise<number> {
    const table = ident(this.table);
    const partition = ident(name);
    const key = PARTITION_KEYS[this.table];
    const source = ROLLUP_SOURCES[this.table];
    return this.change(async (manager) => {
      // A rollup row is written by its history's insert trigger, after the history row, inside the same
      // statement. Holding inserts into that history (SHARE, on it and its partitions) while the rollup's
      // partitions change means no reading is between the two writes: its rollup rows then always route
      // by the new partitions, instead of failing a partition check the way a history row can.
      if (source) await manager.query(`LOCK TABLE ${ident(source)} IN SHARE MODE`);
      await manager.query(`LOCK TABLE ${table} IN SHARE UPDATE EXCLUSIVE MODE`);
      const [{ fallback, columns }] = await manager.query<Array<{ fallback: string | null; columns: string }>>(
        SQL.layout,
        [this.table],
      );
      await manager.query(`CREATE TABLE ${partition} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      let moved = 0;
      if (fallback) {
        await manager.query(`LOCK TABLE ${fallback} IN ACCESS EXCLUSIVE MODE`);
        const [row] = await manager.query<Array<{ moved: number }>>(
          `WITH moved AS (DELETE FROM ${fallback} WHERE ${key} >= $1 AND ${key} < $2 RETURNING ${columns}),
                inserted AS (INSERT INTO ${partition} (${columns}) SELECT ${columns} FROM moved RETURNING 1)
           SELECT count(*)::int AS moved FROM inserted`,
          [range.from, range.to],
        );
        moved = row.moved;
      }
      await manager.query(
        `ALTER TABLE ${table} ATTACH PARTITION ${partition}
         FOR VALUES FROM ('${range.from.toISOString()}') TO ('${range.to.toISOString()}')`,
      );
      return moved;
    });
  }

  /** DETACH locks the parent before the partitions, as a reading's INSERT does. */
  async drop({ name, from, to }: Partition): Promise<void> {
    await this.change(async (manager) => {
      await manager.query(`ALTER TABLE ${ident(this.table)} DETACH PARTITION ${ident(name)}`);
      await manager.query(`DROP TABLE ${ident(name)}`);
      const recount = recountAfterDropping[this.table];
      const bound = (at: number) => (Number.isFinite(at) ? new Date(at) : at > 0 ? 'infinity' : '-infinity');
      if (recount) await manager.query(recount, [bound(from), bound(to)]);
    });
  }
}
