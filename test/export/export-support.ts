import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { TestApp } from '../support/test-app';

/** The app on a real port, for clients that read a response as it arrives. */
export async function listening(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `rows` readings of one vehicle `stepSeconds` apart after `start`, written straight to history. */
export async function loadReadings(
  dataSource: DataSource,
  vehicleId: string,
  rows: number,
  start: string,
  stepSeconds = 1,
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    // Loading is not what these tests measure, and may take longer than the pool's statement timeout.
    await manager.query('SET LOCAL statement_timeout = 0');
    await manager.query(
      `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
       SELECT $1, $2::timestamptz + i * $4::int * interval '1 second', 20 + i % 80, 0.02 + (i % 7) * 0.002, 15 + i % 20
       FROM generate_series(1, $3::int) AS i`,
      [vehicleId, start, rows, stepSeconds],
    );
    // As autovacuum would have by the time anyone exports: without statistics the plan sorts before the first row.
    await manager.query('ANALYZE vehicle_history');
  });
}

export function pool(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/** Connections checked out of the pool right now. */
export const inUse = (dataSource: DataSource) => pool(dataSource).totalCount - pool(dataSource).idleCount;

/** Connections of the exports pool checked out right now. */
export const exportsInUse = (t: TestApp) => inUse(t.services.pools.exports);

/** The backends of the app's database running a COPY, asked over the ingestion pool, which exports never use. */
export async function runningCopies(t: TestApp): Promise<number[]> {
  const rows = await t.db.dataSource.query<Array<{ pid: number }>>(
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND state = 'active' AND query LIKE 'COPY%' AND pid <> pg_backend_pid()`,
  );
  return rows.map((row) => row.pid);
}

export interface HeldExport {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Settles when the connection closes, with whether the body arrived whole. */
  closed: Promise<{ complete: boolean }>;
  /** The client goes away. */
  leave(): void;
  /** The client reads again, to the end of what the server sent. */
  resume(): void;
}

/** A CSV request whose client reads the response head and then nothing more. */
export function holdExport(url: string, headers: Record<string, string> = {}): Promise<HeldExport> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/csv', ...headers } }, (res) => {
      res.pause();
      const closed = new Promise<{ complete: boolean }>((done) =>
        res.once('close', () => done({ complete: res.complete })),
      );
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        closed,
        leave: () => req.destroy(),
        resume: () => res.resume(),
      });
    });
    // Once the client leaves, the request errors; a refusal to connect at all is the test's failure.
    req.on('error', reject);
  });
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface CsvTally {
  status: number;
  headers: http.IncomingHttpHeaders;
  header: string;
  rows: number;
  bytes: number;
  /** The sum of one column over the rows, in integer micro-units as analytics sums energy. */
  micro: number;
  /** Whether the body ended as a complete HTTP message. */
  complete: boolean;
}

/**
 * Reads a CSV response chunk by chunk, counting rows and summing one column without ever holding more
 * than one chunk and the line it ends inside.
 */
export function tallyCsv(
  url: string,
  column: string,
  { onChunk, stallMs }: { onChunk?: (bytes: number) => void; stallMs?: number } = {},
): Promise<CsvTally> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/csv' } }, (res) => {
      const tally: CsvTally = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        header: '',
        rows: 0,
        bytes: 0,
        micro: 0,
        complete: false,
      };
      let index = -1;
      let rest = '';
      const line = (text: string) => {
        if (index < 0) {
          tally.header = text;
          index = text.split(',').indexOf(column);
          return;
        }
        tally.rows += 1;
        tally.micro += Math.round(Number(text.split(',')[index]) * 1_000_000);
      };
      res.on('data', (chunk: Buffer) => {
        tally.bytes += chunk.length;
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        lines.forEach(line);
        onChunk?.(tally.bytes);
        if (stallMs !== undefined && tally.rows > 0 && !res.isPaused() && tally.bytes === chunk.length) {
          res.pause();
          setTimeout(() => res.resume(), stallMs);
        }
      });
      res.on('end', () => resolve({ ...tally, complete: res.complete && rest === '' }));
      res.on('error', () => resolve(tally));
      res.on('aborted', () => resolve(tally));
    });
    req.on('error', reject);
  });
}
