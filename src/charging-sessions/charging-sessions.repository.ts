import type { DataSource } from 'typeorm';
import { sql } from '../db/sql';
import type { ChargingSession } from '../entities';
import type { NewSession, SessionQuery } from './charging-sessions.dto';

const EXCLUSION_VIOLATION = '23P01';

/** What each exclusion constraint of charging_session keeps from having two sessions at once. */
const BUSY_BY_CONSTRAINT: Record<string, Busy> = {
  charging_session_no_overlap: 'vehicle',
  charging_session_meter_no_overlap: 'meter',
};

const COLUMNS = [
  'id',
  'vehicle_id AS "vehicleId"',
  'meter_id AS "meterId"',
  'started_at AS "startedAt"',
  'ended_at AS "endedAt"',
  'created_at AS "createdAt"',
].join(', ');

/**
 * The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/).
 * Periods are compared as tstzrange(started_at, ended_at), the expression the exclusion constraints
 * and the GiST indexes are built on, so that these lookups can use them.
 */
export const CHARGING_SESSION_STATEMENTS = {
  insert: sql`INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
    VALUES ($1, $2, $3, $4)
    RETURNING ${COLUMNS}`,
  setEnd: sql`UPDATE charging_session SET ended_at = $3 WHERE id = $1 AND vehicle_id = $2 RETURNING ${COLUMNS}`,
  findById: sql`SELECT ${COLUMNS} FROM charging_session WHERE id = $1`,
  /** A null bound ($2 or $3) leaves that side of the range open. */
  /** $1 vehicle and $4 meter narrow the list when not null (one of them always is given). */
  list: sql`SELECT ${COLUMNS} FROM charging_session
    WHERE ($1::text IS NULL OR vehicle_id = $1) AND ($4::text IS NULL OR meter_id = $4)
      AND tstzrange(started_at, ended_at) && tstzrange($2, $3, '[]')
    ORDER BY started_at, id`,
  /** The sessions in the way of a write of ($1 vehicle, $2 meter, $3-$4 period), other than session $5. */
  conflicts: sql`SELECT id, vehicle_id = $1 AS "sameVehicle", meter_id = $2 AS "sameMeter" FROM charging_session
    WHERE (vehicle_id = $1 OR meter_id = $2) AND tstzrange(started_at, ended_at) && tstzrange($3, $4)
      AND id IS DISTINCT FROM $5
    ORDER BY started_at, id`,
};
const SQL = CHARGING_SESSION_STATEMENTS;

/** The vehicle already charging, or the meter already feeding a vehicle. */
export type Busy = 'vehicle' | 'meter';

/** A stored session in the way of a write, and what it shares with the refused one. */
export interface SessionConflict {
  id: string;
  sameVehicle: boolean;
  sameMeter: boolean;
}

/**
 * A write either lands or collides: `refusedBy` is the rule the database enforced (it reports only the
 * first constraint violated), `conflicts` every session in the way under either rule.
 */
export type SessionWrite =
  { ok: true; session: ChargingSession } | { ok: false; refusedBy: Busy; conflicts: SessionConflict[] };

type Period = Pick<ChargingSession, 'vehicleId' | 'meterId' | 'startedAt' | 'endedAt'> & { id?: string };

const driverField = (error: unknown, field: 'code' | 'constraint'): string | undefined =>
  (error as Record<string, string | undefined>)[field];

export class ChargingSessionRepository {
  constructor(
    /** Session writes, and the look-ups they start from, beside the readings they are counted from. */
    private readonly dataSource: DataSource,
    /** Session lists, which dashboards ask for and which may be long: a reader's pool. */
    private readonly reads: DataSource,
  ) {}

  async insert(session: NewSession): Promise<SessionWrite> {
    try {
      const [row] = await this.dataSource.query<ChargingSession[]>(SQL.insert, [
        session.vehicleId,
        session.meterId,
        session.startedAt,
        session.endedAt,
      ]);
      return { ok: true, session: row };
    } catch (error) {
      return this.collision(error, session);
    }
  }

  /** Null when the session no longer exists. */
  async setEnd(session: ChargingSession, endedAt: Date): Promise<SessionWrite | null> {
    try {
      // TypeORM answers an UPDATE with [rows, count].
      const [[row]] = await this.dataSource.query<[ChargingSession[], number]>(SQL.setEnd, [
        session.id,
        session.vehicleId,
        endedAt,
      ]);
      return row ? { ok: true, session: row } : null;
    } catch (error) {
      return this.collision(error, { ...session, endedAt });
    }
  }

  async findById(id: string): Promise<ChargingSession | null> {
    const rows = await this.dataSource.query<ChargingSession[]>(SQL.findById, [id]);
    return rows[0] ?? null;
  }

  /** A null bound of the query leaves that side of the range open. */
  list({ vehicleId, meterId, from, to }: SessionQuery): Promise<ChargingSession[]> {
    return this.reads.query(SQL.list, [vehicleId, from, to, meterId]);
  }

  /**
   * An exclusion violation names the constraint but no row, so the sessions in the way are looked up,
   * under both rules; anything else is rethrown.
   */
  private async collision(error: unknown, period: Period): Promise<SessionWrite> {
    const refusedBy = BUSY_BY_CONSTRAINT[driverField(error, 'constraint') ?? ''];
    if (driverField(error, 'code') !== EXCLUSION_VIOLATION || refusedBy === undefined) throw error;
    const conflicts: SessionConflict[] = await this.dataSource.query(SQL.conflicts, [
      period.vehicleId,
      period.meterId,
      period.startedAt,
      period.endedAt,
      period.id ?? null,
    ]);
    return { ok: false, refusedBy, conflicts };
  }
}
