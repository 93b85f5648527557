import type { Writable } from 'node:stream';
import { escapeLiteral, type Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Window } from '../analytics/analytics.public';
import { sql } from '../db/sql';
import { cancelRunning, streamInto } from './copy-stream';

export type ReadingDevice = 'vehicle' | 'meter';

/** Where each device's readings live, and the field each column is exported as. */
const SOURCES: Record<ReadingDevice, { table: string; columns: Array<[column: string, field: string]> }> = {
  vehicle: {
    table: 'vehicle_history',
    columns: [
      ['vehicle_id', 'vehicleId'],
      ['soc', 'soc'],
      ['kwh_delivered_dc', 'kwhDeliveredDc'],
      ['kwh_register_dc', 'kwhRegisterDc'],
      ['register_event', 'registerEvent'],
      ['battery_temp', 'batteryTemp'],
    ],
  },
  meter: {
    table: 'meter_history',
    columns: [
      ['meter_id', 'meterId'],
      ['kwh_consumed_ac', 'kwhConsumedAc'],
      ['kwh_register_ac', 'kwhRegisterAc'],
      ['register_event', 'registerEvent'],
      ['voltage', 'voltage'],
    ],
  },
};

/**
 * The device's readings with after < ts <= upTo, oldest first, each bound an SQL expression. The time
 * is written by PostgreSQL to the microsecond the column keeps, so that a page's last timestamp, sent
 * back in a cursor, is exactly the key the next page starts after; measured values are float8 as
 * stored, which PostgreSQL 12 and later print as the shortest text that reads back to the same value.
 */
function readings(device: ReadingDevice, bounds: { id: string; after: string; upTo: string }): string {
  const [[idColumn, idField], ...measures] = SOURCES[device].columns;
  const fields = [
    `${idColumn} AS "${idField}"`,
    `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "timestamp"`,
    ...measures.map(([column, field]) => `${column} AS "${field}"`),
  ];
  return sql`
    SELECT ${fields.join(', ')}
    FROM ${SOURCES[device].table}
    WHERE ${idColumn} = ${bounds.id} AND ts > ${bounds.after} AND ts <= ${bounds.upTo}
    ORDER BY ts`;
}

/** $1 the device, $2 the key to start after, $3 the window's end, $4 the page size. */
const page = (device: ReadingDevice) => sql`
  ${readings(device, { id: '$1', after: '$2', upTo: '$3' })}
  LIMIT $4`;

/**
 * COPY takes no parameters, so its bounds are written into the statement as literals: the times as we
 * print them, the id quoted by the standard rule. Constant bounds let the planner keep only the
 * partitions of the window, so an export locks no other partition for as long as it streams.
 */
function copyStatement(device: ReadingDevice, id: string, window: Window): string {
  const time = (at: Date) => `timestamptz '${at.toISOString()}'`;
  return sql`
    COPY (
      ${readings(device, { id: escapeLiteral(id), after: time(window.from), upTo: time(window.to) })}
    ) TO STDOUT WITH (FORMAT csv, HEADER)`;
}

/** The COPY of one day, as sent for a device named as in the examples. */
const SAMPLE_WINDOW = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T00:00:00Z') };

/**
 * $1 the export's statement timeout in ms (in place of the pool's). The float format is pinned so
 * that the file does not depend on the server's configuration.
 */
const COPY_SETTINGS = sql`
  SELECT set_config('statement_timeout', $1, true), set_config('extra_float_digits', '1', true)`;

/** Every statement this repository sends, by name; tools/sql-snapshots.ts keeps a readable copy of each under sql/. */
export const EXPORT_STATEMENTS = {
  vehiclePage: page('vehicle'),
  meterPage: page('meter'),
  vehicleCopy: copyStatement('vehicle', 'VEHICLE-001', SAMPLE_WINDOW),
  meterCopy: copyStatement('meter', 'METER-001', SAMPLE_WINDOW),
  copySettings: COPY_SETTINGS,
};

export interface CopyLimits {
  /** The statement timeout of the COPY, in place of the pool's; 0 = none. */
  timeoutMs: number;
  /** How long the sink may go without draining before it is dropped. */
  idleMs: number;
}

export class ExportRepository {
  constructor(
    /** JSON pages: short reads like any other, beside analytics. */
    private readonly pages: DataSource,
    /** CSV exports: each holds a connection for as long as its client reads, so they have a pool to themselves. */
    private readonly copies: DataSource,
  ) {}

  /** Rows named as a reading is posted (`timestamp` in UTC to the microsecond), oldest first. */
  page<Row>(device: ReadingDevice, id: string, window: Window, after: string | undefined, limit: number) {
    return this.pages.query<Row[]>(EXPORT_STATEMENTS[`${device}Page`], [
      id,
      after ?? window.from.toISOString(),
      window.to.toISOString(),
      limit,
    ]);
  }

  /**
   * Streams the readings as CSV into `sink`, from one pooled connection held for the whole COPY under its
   * own statement timeout. Resolves when the COPY is over, also when the sink closed early (before the
   * COPY began nothing is asked of the database; after, the COPY is cancelled); rejects when the COPY
   * failed, with the sink left open for the caller to end as it sees fit.
   */
  async copyCsv(device: ReadingDevice, id: string, window: Window, limits: CopyLimits, sink: Writable): Promise<void> {
    if (sink.destroyed) return;
    const pool = (this.copies.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(COPY_SETTINGS, [String(limits.timeoutMs)]);
      const stream = client.query(copyTo(copyStatement(device, id, window)));
      await streamInto(stream, sink, { cancel: () => cancelRunning(client), idleMs: limits.idleMs });
    } finally {
      // Read only, so rolling back ends the transaction whatever became of the COPY, and the connection is
      // as good as new; one that cannot even do that is closed rather than handed to the next request.
      await client.query('ROLLBACK').catch((error: Error) => {
        broken = error;
      });
      client.release(broken);
    }
  }
}
