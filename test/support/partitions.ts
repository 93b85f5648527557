import type { DataSource } from 'typeorm';
import type { CalendarInterval } from '../../src/config/config';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService, type PartitionOptions } from '../../src/partitions/partition.service';
import { testConfig } from './test-database';

export interface PartitionRow {
  name: string;
  /** Null for the default partition. */
  from: Date | null;
  to: Date | null;
}

/** A table's partitions as the catalog has them, oldest first, the default partition last. */
export async function partitionsOf(dataSource: DataSource, table: string): Promise<PartitionRow[]> {
  return dataSource.query(
    `SELECT c.relname AS name,
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''(.+)''\\) TO'))[1]::timestamptz AS "from",
            (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''(.+)''\\)'))[1]::timestamptz AS "to"
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass
     ORDER BY 2 NULLS LAST`,
    [table],
  );
}

export const partitionNames = async (dataSource: DataSource, table: string) =>
  (await partitionsOf(dataSource, table)).map((partition) => partition.name);

/** The partition each stored row of `ids` sits in, by id. */
export async function homeOf(
  dataSource: DataSource,
  type: 'meter' | 'vehicle',
  ids: string[],
): Promise<Record<string, string>> {
  const rows: Array<{ id: string; home: string }> = await dataSource.query(
    `SELECT ${type}_id AS id, tableoid::regclass::text AS home FROM ${type}_history WHERE ${type}_id = ANY($1)`,
    [ids],
  );
  return Object.fromEntries(rows.map((row) => [row.id, row.home]));
}

export const MONTHLY: CalendarInterval = { count: 1, unit: 'month' };

/** Partition maintenance as a replica would run it, at a chosen moment. */
export function maintenanceAt(dataSource: DataSource, now: string, options: Partial<PartitionOptions> = {}) {
  return new PartitionService(
    new PartitionRepository(dataSource, testConfig().db.lockTimeoutMs),
    { interval: MONTHLY, ahead: 0, ...options },
    () => new Date(now),
  );
}

/**
 * The names of the indexes of register gaps (`<history>_gap_idx`, migration SpreadGapEnergy) on the
 * partitions of both histories: a span's ends look up the gap around them there, one probe each.
 */
export async function gapIndexNames(dataSource: DataSource): Promise<Set<string>> {
  const rows = await dataSource.query<Array<{ name: string }>>(`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname IN ('meter_history_gap_idx', 'vehicle_history_gap_idx')`);
  return new Set(rows.map(({ name }) => name));
}
