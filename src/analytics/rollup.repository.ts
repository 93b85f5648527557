import type { DataSource, EntityManager } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { SEAL_STATEMENTS, SESSION_STATEMENTS } from './rollup-seal.repository';
import { ROLLUP_KINDS, TABLE_STATEMENTS as STATEMENTS, type RollupKind } from './rollup-tables.repository';

/** Sessions counted per transaction: each holds inserts back for about a tenth of a second. */
const SESSIONS_PER_COUNT = 100;

const UNIT_MS = { hour: 3_600_000, day: 86_400_000 };

interface SealStep {
  unit: 'hour' | 'day';
  hours_until: Date;
  upto: Date;
  next_bucket: Date | null;
}

export interface RefreshedDay {
  kind: RollupKind;
  day: Date;
  /** Rollup rows before and after: rows removed for want of history make the second smaller. */
  before: number;
  after: number;
}

export class RollupRepository {
  constructor(
    private readonly dataSource: DataSource,
    /** DB_LOCK_TIMEOUT_MS: the longest any transaction here waits for a lock before it backs off. */
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * Recomputes every rollup row from history, one transaction per day so that readings are held back
   * only for the time of one day's aggregate; `onDay` hears of each day done. Rollup rows of days with
   * no readings left are removed, and nothing counted twice, whatever the rollups held before.
   */
  async refresh(onDay: (done: RefreshedDay) => void = () => undefined): Promise<RefreshedDay[]> {
    const done: RefreshedDay[] = [];
    for (const kind of ROLLUP_KINDS) {
      const days = await this.dataSource.query<Array<{ day: Date }>>(STATEMENTS[kind].days);
      for (const { day } of days) {
        const refreshed = await this.refreshDay(kind, day);
        onDay(refreshed);
        done.push(refreshed);
      }
    }
    return done;
  }

  /**
   * Seals the hours before `hours` and the days before `days` (a UTC hour and midnight, days <= hours)
   * not sealed yet, a step at a time, `reached` hearing of the hour sealed up to after each; then
   * counts the energy of the closed sessions that have none. Whether it had anything to do; cheap when
   * it had not. A step that cannot have its locks after a few tries fails the seal, which the next
   * run takes up from the last step committed. Once `signal` is aborted (the service stopping) it
   * returns after the step or batch in progress: each commits on its own, so the mark and the rollups
   * agree wherever it stops.
   */
  async seal(
    hours: Date,
    days: Date,
    reached: (hoursUntil: Date) => void = () => undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const [state] = await this.dataSource.query<Array<{ hours_until: Date; due: boolean }>>(SEAL_STATEMENTS.sealDue, [
      hours,
      days,
    ]);
    reached(state.hours_until);
    if (!state.due) return false;
    while (!signal?.aborted) {
      const mark = await this.sealStep(hours, days);
      if (!mark) break;
      reached(mark);
    }
    // After the hours they read are sealed; a backlog (sessions loaded in bulk) a batch at a time.
    while (!signal?.aborted) {
      const counted = await this.underSeal(async (manager) => {
        const [row] = await manager.query<Array<{ sessions: number }>>(SEAL_STATEMENTS.countSessions, [
          SESSIONS_PER_COUNT,
        ]);
        return row.sessions;
      });
      if (counted < SESSIONS_PER_COUNT) break;
    }
    return true;
  }

  /**
   * One step of the seal, committed on its own; the hour sealed up to after it, or undefined when there
   * is no step left or another process is taking them.
   */
  private sealStep(hours: Date, days: Date): Promise<Date | undefined> {
    return this.bounded(async (manager) => {
      if ((await manager.query<unknown[]>(SEAL_STATEMENTS.sealClaim)).length === 0) return undefined;
      await manager.query(SEAL_STATEMENTS.sealLock);
      const [step] = await manager.query<SealStep[]>(SEAL_STATEMENTS.sealStep, [hours, days]);
      if (!step) return undefined;
      const { unit, upto, next_bucket: next } = step;
      const until = next === null ? upto : new Date(Math.min(upto.getTime(), next.getTime() + UNIT_MS[unit]));
      const build = unit === 'hour' ? 'sealHours' : 'sealDays';
      for (const kind of ROLLUP_KINDS) await manager.query(STATEMENTS[kind][build], [until]);
      await manager.query(unit === 'hour' ? SEAL_STATEMENTS.sealHoursAdvance : SEAL_STATEMENTS.sealDaysAdvance, [
        until,
      ]);
      return unit === 'hour' ? until : step.hours_until;
    });
  }

  /** A transaction whose lock waits (lock_timeout) end at DB_LOCK_TIMEOUT_MS, tried again after a pause. */
  private bounded<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, work);
  }

  /**
   * A transaction that holds inserts into both histories back until it commits, and the rollups the
   * session energy is counted from, both before it touches any session.
   */
  private underSeal<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.bounded(async (manager) => {
      await manager.query(SEAL_STATEMENTS.sealLock);
      await manager.query(SEAL_STATEMENTS.sessionLock);
      return work(manager);
    });
  }

  /** Recounts every closed session's energy, after the rollups it reads are refreshed; returns their number. */
  async recountSessions(): Promise<number> {
    await this.dataSource.query(SESSION_STATEMENTS.sessionStatistics);
    const days = await this.dataSource.query<Array<{ day: Date }>>(SESSION_STATEMENTS.sessionDays);
    let sessions = 0;
    for (const { day } of days) {
      sessions += await this.underSeal(async (manager) => {
        const [row] = await manager.query<Array<{ sessions: number }>>(SESSION_STATEMENTS.sessionRecount, [day]);
        return row.sessions;
      });
    }
    return sessions;
  }

  /** With the seal's mark kept still: the day's sealed hours are those below it. */
  private refreshDay(kind: RollupKind, day: Date): Promise<RefreshedDay> {
    const statement = STATEMENTS[kind];
    return this.bounded(async (manager) => {
      await manager.query(SEAL_STATEMENTS.sealKeep);
      await manager.query(statement.lock);
      const [before] = await manager.query<Array<{ rows: number }>>(statement.clear, [day]);
      const [after] = await manager.query<Array<{ rows: number }>>(statement.fill, [day]);
      await manager.query(statement.clearDay, [day]);
      await manager.query(statement.fillDay, [day]);
      return { kind, day, before: before.rows, after: after.rows };
    });
  }
}
