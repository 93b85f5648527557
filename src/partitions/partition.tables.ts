/** The history tables, range-partitioned by reading time. */
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
export const ROLLUP_SOURCES: Partial<Record<PartitionedTable, PartitionedTable>> = {
  meter_rollup_hourly: 'meter_history',
  vehicle_rollup_hourly: 'vehicle_history',
  meter_rollup_daily: 'meter_history',
  vehicle_rollup_daily: 'vehicle_history',
};
export const PARTITIONED_TABLES = [...HISTORY_TABLES, ...ROLLUP_TABLES] as PartitionedTable[];

/**
 * Where a partition's bounds lie against the edges of the buckets it holds. A partition over the span
 * [from, to) of a rollup holds the hour or day buckets from <= bucket < to, which count the readings
 * from < ts <= to; a history partition over the same span holds those very readings, so its bounds are
 * a microsecond later: FROM (from + 1 µs) TO (to + 1 µs). Dropping both then removes a reading at a
 * bound from history and from the rollups alike. Everything else here speaks of the spans.
 */
export const BOUND_SHIFT: Record<PartitionedTable, string> = {
  meter_history: '1 microsecond',
  vehicle_history: '1 microsecond',
  meter_rollup_hourly: '0',
  vehicle_rollup_hourly: '0',
  meter_rollup_daily: '0',
  vehicle_rollup_daily: '0',
};
