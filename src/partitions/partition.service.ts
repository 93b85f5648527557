import type { CalendarInterval } from '../config/config';
import { isLockNotAvailable } from '../db/lock-timeout';
import { intervalStart, partitionName, shift, uncovered, type TimeRange } from './partition.calendar';
import type { Partition, PartitionRepository, PartitionSession } from './partition.repository';
import { PARTITIONED_TABLES, ROLLUP_SOURCES, type PartitionedTable } from './partition.tables';
import { RECOUNT_START, RETENTION_SIDES, type RecountCursor, type RetentionSide } from './retention.repository';

export interface PartitionOptions {
  interval: CalendarInterval;
  /** Intervals prepared beyond the current one. */
  ahead: number;
  /** Unset: nothing is ever dropped. */
  retention?: CalendarInterval;
}

/** Retention below every partition, on one history table's side. */
export interface Expiry {
  /** The midnight before which every reading is expired and held by the default partition alone. */
  before: string;
  /** Readings removed from the default partition, with their rollup rows. */
  expired: number;
  /** Closed sessions counted again after a dropped partition took readings of theirs. */
  recounted: number;
  /** False when a lock was not granted in time, or the run was stopped: the rest is left for the next run. */
  complete: boolean;
}

export type MaintenanceReport =
  | {
      table: PartitionedTable;
      skipped: false;
      created: string[];
      movedFromDefault: number;
      dropped: string[];
      /** History tables, with a retention. */
      expiry?: Expiry;
    }
  /** Another session held the table's maintenance lock and was doing this work, or a table lock was not granted in time. */
  | { table: PartitionedTable; skipped: true; reason: 'busy' | 'lock timeout' };

/** Readings expired per transaction (whole device-hours of them), and sessions recounted per transaction. */
const EXPIRY_BATCH = 5_000;
const RECOUNT_BATCH = 500;
const DAY_MS = 86_400_000;

/**
 * Keeps the partitions of each history table and of its rollups ready ahead of time and, with a
 * retention, drops the old ones and removes expired rows from the default partitions. Idempotent: a run
 * computes what is missing from what exists, so it can repeat on a timer and on several replicas at once.
 */
export class PartitionService {
  constructor(
    private readonly repository: PartitionRepository,
    private readonly options: PartitionOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The retention in force, in words, for the log at start. */
  retentionInForce(): string {
    const { retention } = this.options;
    if (!retention) return 'none: history is kept (HISTORY_RETENTION unset)';
    return `${retention.count} ${retention.unit}${retention.count === 1 ? '' : 's'}: older readings are removed with their rollups`;
  }

  /**
   * What must be in place before the service takes readings: the partitions ahead. Nothing is dropped
   * or expired, work whose size is that of the backlog: that is left to maintain(), on the timer.
   */
  prepare(): Promise<MaintenanceReport[]> {
    return this.run();
  }

  /**
   * Everything: the partitions ahead, then with a retention the drops and the expiry. Once `signal` is
   * aborted (the service stopping) it returns after the change or batch in progress, each committed on
   * its own; the next run takes up from there.
   */
  maintain(signal?: AbortSignal): Promise<MaintenanceReport[]> {
    return this.run(this.options.retention, signal);
  }

  private async run(retention?: CalendarInterval, signal?: AbortSignal): Promise<MaintenanceReport[]> {
    const now = this.now();
    const reports: MaintenanceReport[] = [];
    // One table at a time, one transaction per change: DDL never holds one table's locks while
    // waiting on another's, nor a default partition's while waiting to drop an old partition.
    for (const table of PARTITIONED_TABLES) {
      try {
        // Read before the table's lock is taken, whose connection is then the only one this run holds.
        const source = ROLLUP_SOURCES[table];
        const history = source && retention ? await this.repository.partitions(source) : [];
        const done = await this.repository.underLock(table, (session) =>
          this.maintainTable(table, session, now, history, retention, signal),
        );
        reports.push(done ?? { table, skipped: true, reason: 'busy' });
      } catch (error) {
        if (!isLockNotAvailable(error)) throw error;
        reports.push({ table, skipped: true, reason: 'lock timeout' });
      }
    }
    if (retention) {
      const before = await this.expiryBound(shift(now, retention, -1).getTime());
      // By the process that maintained the side's history this run: with replicas, one of them.
      for (const side of RETENTION_SIDES) {
        const report = reports.find((candidate) => candidate.table === `${side}_history`);
        if (report && !report.skipped) report.expiry = await this.expire(side, before, signal);
      }
    }
    return reports;
  }

  /** `history`: for a rollup, the partitions its history still has. */
  private async maintainTable(
    table: PartitionedTable,
    session: PartitionSession,
    now: Date,
    history: Partition[],
    retention?: CalendarInterval,
    signal?: AbortSignal,
  ): Promise<MaintenanceReport> {
    const existing = await session.partitions();
    const created: string[] = [];
    let movedFromDefault = 0;
    for (const wanted of this.intervalsAhead(now)) {
      // Only the gaps: after a change of interval, the partitions already made still serve their range.
      for (const gap of uncovered(wanted, existing)) {
        const name = partitionName(table, new Date(gap.from));
        movedFromDefault += await session.create(name, { from: new Date(gap.from), to: new Date(gap.to) });
        created.push(name);
      }
    }
    const dropped: string[] = [];
    if (retention) {
      const cutoff = shift(now, retention, -1).getTime();
      // A rollup's rows go only once its history's have: the two then never disagree about a reading.
      const overlapsHistory = (range: TimeRange) =>
        history.some((kept) => kept.from < range.to && range.from < kept.to);
      for (const partition of existing.filter((candidate) => candidate.to <= cutoff && !overlapsHistory(candidate))) {
        if (signal?.aborted) break;
        await session.drop(partition);
        dropped.push(partition.name);
      }
    }
    return { table, skipped: false, created, movedFromDefault, dropped };
  }

  /**
   * The midnight at or before both the cutoff and the start of every partition left: before it, a
   * reading, its hour and its day are expired and in the default partitions alone.
   */
  private async expiryBound(cutoff: number): Promise<Date> {
    let earliest = cutoff;
    for (const table of PARTITIONED_TABLES) {
      const [first] = await this.repository.partitions(table);
      if (first) earliest = Math.min(earliest, first.from);
    }
    return new Date(Math.floor(earliest / DAY_MS) * DAY_MS);
  }

  /**
   * The side's expired default-partition rows, then its sessions left counting dropped readings; not
   * complete when `signal` stopped it between two batches.
   */
  private async expire(side: RetentionSide, before: Date, signal?: AbortSignal): Promise<Expiry> {
    const expiry: Expiry = { before: before.toISOString(), expired: 0, recounted: 0, complete: false };
    try {
      let left = true;
      while (left) {
        if (signal?.aborted) return expiry;
        const expired = (await this.repository.retention.expire(side, before, EXPIRY_BATCH)).readings;
        expiry.expired += expired;
        left = expired > 0;
      }
      let cursor: RecountCursor | undefined = RECOUNT_START;
      while (cursor) {
        if (signal?.aborted) return expiry;
        const batch = await this.repository.retention.recount(side, before, cursor, RECOUNT_BATCH);
        expiry.recounted += batch.recounted;
        cursor = batch.next;
      }
      expiry.complete = true;
    } catch (error) {
      if (!isLockNotAvailable(error)) throw error;
    }
    return expiry;
  }

  /** The current interval and the `ahead` ones after it. */
  private intervalsAhead(now: Date): TimeRange[] {
    const { interval, ahead } = this.options;
    const start = intervalStart(now, interval);
    return Array.from({ length: ahead + 1 }, (_, index) => ({
      from: shift(start, interval, index).getTime(),
      to: shift(start, interval, index + 1).getTime(),
    }));
  }
}
