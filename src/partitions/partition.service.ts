import type { CalendarInterval } from '../config/config';
import { intervalStart, partitionName, shift, uncovered, type TimeRange } from './partition.calendar';
import {
  PARTITIONED_TABLES,
  type PartitionedTable,
  type PartitionRepository,
  type PartitionSession,
} from './partition.repository';

export interface PartitionOptions {
  interval: CalendarInterval;
  /** Intervals prepared beyond the current one. */
  ahead: number;
  /** Unset: nothing is ever dropped. */
  retention?: CalendarInterval;
}

export type MaintenanceReport =
  | { table: PartitionedTable; skipped: false; created: string[]; movedFromDefault: number; dropped: string[] }
  /** Another session held the table's maintenance lock and was doing this work. */
  | { table: PartitionedTable; skipped: true };

/**
 * Keeps the partitions of each history table and of its hourly rollup ready ahead of time and, with a
 * retention, drops the old ones. Idempotent: a run computes what is missing from what exists, so it
 * can repeat on a timer and on several replicas at once.
 */
export class PartitionService {
  constructor(
    private readonly repository: PartitionRepository,
    private readonly options: PartitionOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async maintain(): Promise<MaintenanceReport[]> {
    const now = this.now();
    const reports: MaintenanceReport[] = [];
    // One table at a time, one transaction per change: DDL never holds one table's locks while
    // waiting on another's, nor a default partition's while waiting to drop an old partition.
    for (const table of PARTITIONED_TABLES) {
      const done = await this.repository.underLock(table, (session) => this.maintainTable(table, session, now));
      reports.push(done ?? { table, skipped: true });
    }
    return reports;
  }

  private async maintainTable(
    table: PartitionedTable,
    session: PartitionSession,
    now: Date,
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
    if (this.options.retention) {
      const cutoff = shift(now, this.options.retention, -1).getTime();
      for (const partition of existing.filter((candidate) => candidate.to <= cutoff)) {
        await session.drop(partition);
        dropped.push(partition.name);
      }
    }
    return { table, skipped: false, created, movedFromDefault, dropped };
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
