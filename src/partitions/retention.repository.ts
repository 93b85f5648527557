import type { DataSource, EntityManager } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import { TABLE_STATEMENTS } from '../analytics/analytics.public';

export type RetentionSide = 'meter' | 'vehicle';
export const RETENTION_SIDES: RetentionSide[] = ['meter', 'vehicle'];

/** The side's tables: its history, rollups, device column, energy column, session total and its readings. */
const TABLES = {
  meter: {
    history: 'meter_history',
    device: 'meter_id',
    energy: 'kwh_consumed_ac',
    total: 'kwh_ac_micro',
    readings: 'ac_readings',
  },
  vehicle: {
    history: 'vehicle_history',
    device: 'vehicle_id',
    energy: 'kwh_delivered_dc',
    total: 'kwh_dc_micro',
    readings: 'dc_readings',
  },
};

/**
 * The statements of retention below every partition, where rows live in the default partitions only
 * (the ones the migrations made). $1 is always the expiry bound: a midnight no partition starts before.
 */
function statements(side: RetentionSide) {
  const { history, device, energy, total, readings } = TABLES[side];
  const rollup = `${side}_rollup`;
  return {
    /**
     * Holds back only the readings bound for the default partition, the stored and the new ones of
     * expired time, until the transaction commits: a reading for a current partition passes.
     */
    lock: sql`LOCK TABLE ${history}_default IN SHARE ROW EXCLUSIVE MODE`,
    /** Taken before any session row, in the order the seal's session counting takes them. */
    lockRollup: sql`LOCK TABLE ${rollup}_hourly IN ACCESS SHARE MODE`,
    /**
     * The first whole device-hours before $1 in (device, hour) order that hold $2 readings at most (the
     * first one even if it holds more), removed with their hourly rollup rows, and the daily rows of
     * their days, which refillDays then rebuilds from the hours left. Whole hours keep the hourly rows
     * exact, and a batch's size follows $2 however dense a device's readings. The counted sessions
     * holding them lose their energy: a reading's, or a register gap's share of it in each session the
     * gap overlaps (1764500000000-SpreadGapEnergy). The sessions are found through (device, ended_at), as
     * the insert trigger finds them, and their totals change by difference, so a reading the trigger adds
     * meanwhile is kept.
     */
    expire: sql`
      WITH head AS (
        SELECT ${device} AS device, date_trunc('hour', ts - interval '1 microsecond', 'UTC') AS hour,
               row_number() OVER (ORDER BY ${device}, ts) AS n
        FROM (SELECT ${device}, ts FROM ${history}_default WHERE ts <= $1 ORDER BY ${device}, ts LIMIT $2::int + 1) AS oldest
      ),
      cut AS (SELECT device, hour FROM head WHERE n = $2::int + 1),
      hours AS (
        SELECT DISTINCT device, hour FROM head
        WHERE n = 1 OR NOT EXISTS (SELECT 1 FROM cut) OR (device, hour) < (SELECT device, hour FROM cut)
      ),
      readings AS (
        DELETE FROM ${history}_default h USING hours d
        WHERE h.${device} = d.device AND h.ts > d.hour AND h.ts <= d.hour + interval '1 hour'
        RETURNING h.${device} AS device, h.ts, (h.${energy} * 1000000)::bigint AS kwh, h.bridged, h.gap_from
      ),
      hourly AS (
        DELETE FROM ${rollup}_hourly_default r USING hours d WHERE r.${device} = d.device AND r.hour = d.hour
        RETURNING 1
      ),
      daily AS (
        DELETE FROM ${rollup}_daily_default r
        USING (SELECT DISTINCT device, date_trunc('day', hour, 'UTC') AS day FROM hours) d
        WHERE r.${device} = d.device AND r.day = d.day
        RETURNING r.${device} AS device, r.day
      ),
      sessions AS (
        UPDATE charging_session c SET ${total} = c.${total} - a.kwh
        FROM (
          SELECT id, vehicle_id, sum(kwh) AS kwh FROM (
            SELECT s.id, s.vehicle_id, r.kwh
            FROM readings r
            CROSS JOIN LATERAL (
              SELECT id, vehicle_id, started_at FROM charging_session
              WHERE ${device} = r.device AND ended_at >= r.ts
              ORDER BY ended_at LIMIT 1
            ) s
            WHERE r.gap_from IS NULL AND r.ts > s.started_at
            UNION ALL
            SELECT s.id, s.vehicle_id, register_share(r.kwh, r.bridged, r.gap_from, r.ts, s.started_at, s.ended_at)
            FROM readings r
            CROSS JOIN LATERAL (
              SELECT id, vehicle_id, started_at, ended_at FROM charging_session
              WHERE ${device} = r.device AND ended_at > r.gap_from AND started_at < r.ts
            ) s
            WHERE r.gap_from IS NOT NULL
          ) x
          GROUP BY id, vehicle_id
        ) a
        WHERE c.id = a.id AND c.vehicle_id = a.vehicle_id
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM readings)::int AS readings, (SELECT count(*) FROM hourly)::int AS hours,
             (SELECT count(*) FROM sessions)::int AS sessions,
             (SELECT coalesce(array_agg(device::text ORDER BY device, day), '{}') FROM daily) AS "dayDevices",
             (SELECT coalesce(array_agg(day ORDER BY device, day), '{}') FROM daily) AS days`,
    /**
     * Up to $4 closed sessions ended by $1 that still carry energy or readings on this side (a full
     * battery's readings carry none), after ($2, $3) in (ended_at, id) order, counted again from what is
     * left; the readings are recounted with the energy (1764475000000-ReadingCoverage). A dropped partition took their readings
     * without telling them; every reading they can still have is in the default partitions, held still.
     */
    recount: sql`
      WITH batch AS (
        SELECT id, vehicle_id, ended_at FROM charging_session
        WHERE ended_at <= $1 AND (${total} <> 0 OR ${readings} <> 0) AND (ended_at, id) > ($2::timestamptz, $3::uuid)
        ORDER BY ended_at, id LIMIT $4
      ),
      recounted AS (
        UPDATE charging_session c SET ${total} = ${side}_kwh_micro(c.${device}, c.started_at, c.ended_at)
        FROM batch b
        WHERE c.id = b.id AND c.vehicle_id = b.vehicle_id AND c.ended_at <= $1 AND (c.${total} <> 0 OR c.${readings} <> 0)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM batch)::int AS selected, (SELECT count(*) FROM recounted)::int AS recounted,
             to_char(last.ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "endedAt", last.id::text
      FROM (SELECT 1) AS one
      LEFT JOIN LATERAL (SELECT ended_at, id FROM batch ORDER BY ended_at DESC, id DESC LIMIT 1) last ON true`,
  };
}

/** The statements by side and name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const RETENTION_STATEMENTS = { meter: statements('meter'), vehicle: statements('vehicle') };

export interface ExpiredBatch {
  readings: number;
  /** Hourly rollup rows removed. */
  hours: number;
  /** Daily rollup rows rebuilt or, with no hour left, removed. */
  days: number;
  sessions: number;
}

/** Where a recount goes on from, in (ended_at, id) order; the time to the microsecond, as text. */
export interface RecountCursor {
  endedAt: string;
  id: string;
}

export const RECOUNT_START: RecountCursor = { endedAt: '-infinity', id: '00000000-0000-0000-0000-000000000000' };

/**
 * Retention of what no partition holds: expired rows of the default partitions, and the sessions a
 * dropped partition left counting readings it took. One small transaction per batch, each holding back
 * only the readings bound for the side's default partition, and for at most DB_LOCK_TIMEOUT_MS while
 * it waits for that lock.
 */
export class RetentionRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * One batch of about `limit` expired readings of the side's default partition, up to `before`, whole
   * device-hours of them; none left when readings is 0.
   */
  expire(side: RetentionSide, before: Date, limit: number): Promise<ExpiredBatch> {
    return this.batch(side, async (manager) => {
      const [{ dayDevices, days, ...row }] = await manager.query<
        Array<Omit<ExpiredBatch, 'days'> & { dayDevices: string[]; days: Date[] }>
      >(RETENTION_STATEMENTS[side].expire, [before, limit]);
      if (days.length > 0) await manager.query(TABLE_STATEMENTS[side].refillDays, [dayDevices, days]);
      return { ...row, days: days.length };
    });
  }

  /** One batch of sessions ended by `before` recounted; `next` is where the following batch starts, if any. */
  recount(
    side: RetentionSide,
    before: Date,
    after: RecountCursor,
    limit: number,
  ): Promise<{ recounted: number; next?: RecountCursor }> {
    return this.batch(side, async (manager) => {
      await manager.query(RETENTION_STATEMENTS[side].lockRollup);
      const [row] = await manager.query<
        Array<{ selected: number; recounted: number; endedAt: string | null; id: string | null }>
      >(RETENTION_STATEMENTS[side].recount, [before, after.endedAt, after.id, limit]);
      const next = row.selected === limit && row.endedAt && row.id ? { endedAt: row.endedAt, id: row.id } : undefined;
      return { recounted: row.recounted, next };
    });
  }

  private batch<T>(side: RetentionSide, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    // Its lock waits (lock_timeout) end at DB_LOCK_TIMEOUT_MS: no reading queues behind a batch for longer.
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      await manager.query(RETENTION_STATEMENTS[side].lock);
      return work(manager);
    });
  }
}
