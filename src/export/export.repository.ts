import type { Readable, Writable } from 'node:stream';
import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { Window } from '../analytics/analytics.dto';
import { sql } from '../db/sql';

export type ReadingDevice = 'vehicle' | 'meter';

/** Where each device's readings live, and the field each column is exported as. */
const SOURCES: Record<ReadingDevice, { table: string; columns: Array<[column: string, field: string]> }> = {
  vehicle: {
    table: 'vehicle_history',
    columns: [
      ['vehicle_id', 'vehicleId'],
      ['soc', 'soc'],
      ['kwh_delivered_dc', 'kwhDeliveredDc'],
      ['battery_temp', 'batteryTemp'],
    ],
  },
  meter: {
    table: 'meter_history',
    columns: [
      ['meter_id', 'meterId'],
      ['kwh_consumed_ac', 'kwhConsumedAc'],
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

/** COPY takes no parameters: the values arrive as transaction-local settings (COPY_SETTINGS), never as text. */
const setting = (name: string, type = '') => `current_setting('fleet_export.${name}')${type}`;
const copy = (device: ReadingDevice) => sql`
  COPY (
    ${readings(device, { id: setting('device'), after: setting('after', '::timestamptz'), upTo: setting('until', '::timestamptz') })}
  ) TO STDOUT WITH (FORMAT csv, HEADER)`;

/**
 * $1 the export's statement timeout in ms (in place of the pool's), $2 the device, $3 and $4 the
 * window. The float format is pinned so that the file does not depend on the server's configuration.
 */
const COPY_SETTINGS = sql`
  SELECT pg_backend_pid() AS pid, set_config('statement_timeout', $1, true), set_config('extra_float_digits', '1', true),
         set_config('fleet_export.device', $2, true), set_config('fleet_export.after', $3, true),
         set_config('fleet_export.until', $4, true)`;

const CANCEL = sql`SELECT pg_cancel_backend($1)`;

/** Every statement this repository sends, by name; tools/sql-snapshots.ts keeps a readable copy of each under sql/. */
export const EXPORT_STATEMENTS = {
  vehiclePage: page('vehicle'),
  meterPage: page('meter'),
  vehicleCopy: copy('vehicle'),
  meterCopy: copy('meter'),
  copySettings: COPY_SETTINGS,
  cancel: CANCEL,
};

/**
 * Pipes `source` into `sink` with back-pressure, and settles once the COPY is over. When the sink closes
 * first (the client went away), the statement is cancelled and what is still in flight is read and
 * dropped: a server blocked on a full socket acts on a cancel only once it can send again.
 */
function streamInto(source: Readable, sink: Writable, cancel: () => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let cancelling: Promise<unknown> | undefined;
    let over = false;
    const abandon = () => {
      if (over || sink.writableFinished || cancelling) return;
      source.unpipe(sink);
      source.resume();
      // Should the cancel fail, the statement runs to its end or its timeout, its rows dropped here.
      cancelling = cancel().catch(() => undefined);
    };
    const settle = (error?: Error) => {
      // A cancel that lands just after the last row fails a COPY already reported; nobody is left to tell.
      if (over) return;
      over = true;
      sink.off('close', abandon);
      // The connection goes back to the pool only after the cancel was delivered, so it cannot hit the next user.
      void Promise.resolve(cancelling).then(() => (error === undefined || cancelling ? resolve() : reject(error)));
    };
    source.on('error', settle);
    source.once('end', () => settle());
    sink.once('close', abandon);
    if (sink.destroyed) abandon();
    else source.pipe(sink);
  });
}

export class ExportRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Rows named as a reading is posted (`timestamp` in UTC to the microsecond), oldest first. */
  page<Row>(device: ReadingDevice, id: string, window: Window, after: string | undefined, limit: number) {
    return this.dataSource.query<Row[]>(EXPORT_STATEMENTS[`${device}Page`], [
      id,
      after ?? window.from.toISOString(),
      window.to.toISOString(),
      limit,
    ]);
  }

  /**
   * Streams the readings as CSV into `sink`, from one pooled connection held for the whole COPY under its
   * own statement timeout. Resolves when the COPY is over, also when the sink closed early; rejects when
   * the COPY failed, with the sink left open for the caller to end as it sees fit.
   */
  async copyCsv(device: ReadingDevice, id: string, window: Window, timeoutMs: number, sink: Writable): Promise<void> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN READ ONLY');
      const settings = [String(timeoutMs), id, window.from.toISOString(), window.to.toISOString()];
      const [{ pid }] = (await client.query<{ pid: number }>(COPY_SETTINGS, settings)).rows;
      const stream = client.query(copyTo(EXPORT_STATEMENTS[`${device}Copy`]));
      await streamInto(stream, sink, () => this.dataSource.query(CANCEL, [pid]));
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
