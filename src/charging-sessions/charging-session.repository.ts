import type { DataSource } from 'typeorm';
import type { ChargingSession } from '../entities';
import type { NewSession, SessionQuery } from './charging-session.dto';

const EXCLUSION_VIOLATION = '23P01';

const COLUMNS = `id, vehicle_id AS "vehicleId", meter_id AS "meterId", started_at AS "startedAt",
  ended_at AS "endedAt", created_at AS "createdAt"`;

/** A write either lands or collides with other sessions of the vehicle, listed by id. */
export type SessionWrite = { ok: true; session: ChargingSession } | { ok: false; overlapping: string[] };

type Period = Pick<ChargingSession, 'vehicleId' | 'startedAt' | 'endedAt'> & { id?: string };

const sqlState = (error: unknown): string | undefined => (error as { code?: string }).code;

/**
 * Periods are compared as tstzrange(started_at, ended_at), the expression the exclusion constraint
 * and both GiST indexes are built on, so that these lookups can use them.
 */
export class ChargingSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(session: NewSession): Promise<SessionWrite> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at)
         VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [session.vehicleId, session.meterId, session.startedAt, session.endedAt],
      );
      return { ok: true, session: row };
    } catch (error) {
      return this.collision(error, session);
    }
  }

  /** Null when the session no longer exists. */
  async setEnd(session: ChargingSession, endedAt: Date): Promise<SessionWrite | null> {
    try {
      // TypeORM answers an UPDATE with [rows, count].
      const [[row]] = await this.dataSource.query(
        `UPDATE charging_session SET ended_at = $3 WHERE id = $1 AND vehicle_id = $2 RETURNING ${COLUMNS}`,
        [session.id, session.vehicleId, endedAt],
      );
      return row ? { ok: true, session: row } : null;
    } catch (error) {
      return this.collision(error, { ...session, endedAt });
    }
  }

  async findById(id: string): Promise<ChargingSession | null> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM charging_session WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A null bound of the query leaves that side of the range open. */
  list({ vehicleId, from, to }: SessionQuery): Promise<ChargingSession[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM charging_session
       WHERE vehicle_id = $1 AND tstzrange(started_at, ended_at) && tstzrange($2, $3, '[]')
       ORDER BY started_at`,
      [vehicleId, from, to],
    );
  }

  /** The exclusion constraint names no row, so the sessions in the way are looked up; anything else is rethrown. */
  private async collision(error: unknown, period: Period): Promise<SessionWrite> {
    if (sqlState(error) !== EXCLUSION_VIOLATION) throw error;
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM charging_session
       WHERE vehicle_id = $1 AND tstzrange(started_at, ended_at) && tstzrange($2, $3) AND id IS DISTINCT FROM $4
       ORDER BY started_at`,
      [period.vehicleId, period.startedAt, period.endedAt, period.id ?? null],
    );
    return { ok: false, overlapping: rows.map((row) => row.id) };
  }
}
