import type { DataSource, EntityManager } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import type { TimeRange } from './partition.calendar';
import { BOUND_SHIFT, PARTITION_KEYS, ROLLUP_SOURCES, type PartitionedTable } from './partition.tables';
import { RetentionRepository } from './retention.repository';

/**
 * The session total that dropping an hourly rollup partition leaves wrong: a closed session across the
 * span's end ($1) keeps only its readings after it, so its energy is set back to NULL and the seal counts
 * it again from what remains. There are few (a device has at most one session across an instant), found
 * through the GiST index on the sessions' periods. Sessions wholly inside the span are recounted after
 * the drop, outside its locks (RetentionRepository).
 */
const uncountAcross = (total: string) => sql`
  UPDATE charging_session SET ${total} = NULL
  WHERE tstzrange(started_at, ended_at) @> $1::timestamptz AND started_at < $1 AND ${total} IS NOT NULL`;
const UNCOUNT_METER_SIDE = uncountAcross('kwh_ac_micro');
const UNCOUNT_VEHICLE_SIDE = uncountAcross('kwh_dc_micro');
const UNCOUNT_ACROSS: Partial<Record<PartitionedTable, string>> = {
  meter_rollup_hourly: UNCOUNT_METER_SIDE,
  vehicle_rollup_hourly: UNCOUNT_VEHICLE_SIDE,
};

export interface Partition extends TimeRange {
  name: string;
}

/**
 * The DDL of one partitioned table's partitions, run while holding its maintenance lock. Each change is a
 * transaction of its own, so the table locks it takes are held only for that change.
 */
export interface PartitionSession {
  /** Every partition but the default one, with its span. */
  partitions(): Promise<Partition[]>;
  /** Creates the partition and moves into it the rows of the default partition it covers; returns their number. */
  create(name: string, range: { from: Date; to: Date }): Promise<number>;
  /** Detaches the partition and drops it with its rows. */
  drop(partition: Partition): Promise<void>;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

const MAINTENANCE_LOCK = `hashtext('fleet-platform:partitions:' || $1)`;

/**
 * The statements with a fixed text, by name (tools/sql-snapshots.ts keeps them readable under sql/);
 * $1 is the partitioned table where there is one. The DDL names tables, so it is built per call in
 * TableSession.
 */
export const PARTITION_STATEMENTS = {
  tryLock: sql`SELECT pg_try_advisory_lock(${MAINTENANCE_LOCK}) AS locked`,
  unlock: sql`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK})`,
  isPartitioned: sql`SELECT 1 FROM pg_partitioned_table WHERE partrelid = $1::regclass`,
  /**
   * The spans, from the bounds less the table's shift ($2). The bounds are printed and read back in the
   * session's time zone, so they round-trip exactly.
   */
  partitions: sql`
    SELECT c.relname AS name,
           CASE b.m[1] WHEN 'MINVALUE' THEN '-infinity'::float8
             ELSE extract(epoch FROM btrim(b.m[1], '''')::timestamptz - $2::interval)::float8 * 1000 END AS "from",
           CASE b.m[2] WHEN 'MAXVALUE' THEN 'infinity'::float8
             ELSE extract(epoch FROM btrim(b.m[2], '''')::timestamptz - $2::interval)::float8 * 1000 END AS "to"
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_partitioned_table p ON p.partrelid = i.inhparent
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), '^FOR VALUES FROM \\((.+)\\) TO \\((.+)\\)$') AS b(m)
    WHERE i.inhparent = $1::regclass AND c.oid <> p.partdefid
    ORDER BY 2`,
  /** The default partition, if any, and the table's columns, as a list to copy rows with. */
  layout: sql`
    SELECT nullif(p.partdefid, 0)::regclass::text AS fallback,
           (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = p.partrelid AND attnum > 0 AND NOT attisdropped) AS columns
    FROM pg_partitioned_table p WHERE p.partrelid = $1::regclass`,
  uncountMeterSessionsAcross: UNCOUNT_METER_SIDE,
  uncountVehicleSessionsAcross: UNCOUNT_VEHICLE_SIDE,
};
const SQL = PARTITION_STATEMENTS;

export class PartitionRepository {
  /** Retention of what no partition holds, over the same connections and lock timeout. */
  readonly retention: RetentionRepository;

  constructor(
    private readonly dataSource: DataSource,
    /** DB_LOCK_TIMEOUT_MS: the longest partition upkeep waits for a table lock before it backs off. */
    private readonly lockTimeoutMs: number,
  ) {
    this.retention = new RetentionRepository(dataSource, lockTimeoutMs);
  }

  /** Every partition of `table` but the default one, by span; reads the catalog only, and takes no lock. */
  partitions(table: PartitionedTable): Promise<Partition[]> {
    return spansOf(this.dataSource, table);
  }

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
        return await work(new TableSession(runner.manager, table, this.lockTimeoutMs));
      } finally {
        await runner.query(SQL.unlock, [table]);
      }
    } finally {
      await runner.release();
    }
  }
}

async function spansOf(connection: DataSource | EntityManager, table: PartitionedTable): Promise<Partition[]> {
  const [parent] = await connection.query<unknown[]>(SQL.isPartitioned, [table]);
  if (!parent) throw new Error(`${table} is not partitioned yet; run the migrations first`);
  const rows = await connection.query<Array<{ name: string; from: number; to: number }>>(SQL.partitions, [
    table,
    BOUND_SHIFT[table],
  ]);
  return rows.map((row) => ({ name: row.name, from: Number(row.from), to: Number(row.to) }));
}

class TableSession implements PartitionSession {
  constructor(
    /** Bound to the connection holding the maintenance lock. */
    private readonly connection: EntityManager,
    private readonly table: PartitionedTable,
    private readonly lockTimeoutMs: number,
  ) {}

  /** One change in a transaction of its own, which waits at most the lock timeout for any lock. */
  private change<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // Its lock waits (lock_timeout) end at DB_LOCK_TIMEOUT_MS: no reading queues behind partition DDL for longer.
    return lockBoundedTransaction(this.connection, this.lockTimeoutMs, work);
  }

  partitions(): Promise<Partition[]> {
    return spansOf(this.connection, this.table);
  }

  /** A bound of the table's partition for the span edge `at`, as an expression. */
  private bound(at: Date): string {
    return `timestamptz '${at.toISOString()}' + interval '${BOUND_SHIFT[this.table]}'`;
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
    const [low, high] = [this.bound(range.from), this.bound(range.to)];
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
          `WITH moved AS (DELETE FROM ${fallback} WHERE ${key} >= ${low} AND ${key} < ${high} RETURNING ${columns}),
                inserted AS (INSERT INTO ${partition} (${columns}) SELECT ${columns} FROM moved RETURNING 1)
           SELECT count(*)::int AS moved FROM inserted`,
        );
        moved = row.moved;
      }
      await manager.query(`ALTER TABLE ${table} ATTACH PARTITION ${partition} FOR VALUES FROM (${low}) TO (${high})`);
      return moved;
    });
  }

  /**
   * DETACH locks the parent before the partitions, as a reading's INSERT does; a session total is
   * touched only after, the order the seal's session counting takes its locks in, so the two cannot
   * deadlock.
   */
  async drop({ name, to }: Partition): Promise<void> {
    await this.change(async (manager) => {
      await manager.query(`ALTER TABLE ${ident(this.table)} DETACH PARTITION ${ident(name)}`);
      const uncount = UNCOUNT_ACROSS[this.table];
      if (uncount && Number.isFinite(to)) await manager.query(uncount, [new Date(to)]);
      await manager.query(`DROP TABLE ${ident(name)}`);
    });
  }
}
