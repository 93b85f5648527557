import 'reflect-metadata';
import dotenv from 'dotenv';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { buildDataSource } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import { buildServices } from '../../src/services';
import { openPools } from '../../src/db/pools';
import { createBenchDatabase, openServer } from './environment';
import { runBench } from './teardown';

/**
 * Memory of a CSV export: N readings of one vehicle loaded with generate_series, then streamed over
 * HTTP from the app in this process to a client in this process that only counts rows and bytes.
 * Prints rows, bytes, seconds, peak RSS and peak heap growth for 1 M readings, and 10 M with --10m.
 * `npm run bench:export [-- --10m]`; DB_HOST etc. for a server of your own, else an embedded one.
 */
const SIZES = process.argv.includes('--10m') ? [1_000_000, 10_000_000] : [1_000_000];
const CHUNK = 1_000_000;
const MB = 1024 * 1024;
const VEHICLE = 'BENCH-V1';
/** One reading every 3 s: 10 M readings fit in the year an export window may span. */
const STEP_SECONDS = 3;

interface Figures {
  rows: number;
  bytes: number;
  seconds: number;
  rssMb: number;
  peakRssMb: number;
  heapGrowthMb: number;
  buffersGrowthMb: number;
}

/** Streams the export, counting newlines chunk by chunk, and samples this process's memory meanwhile. */
function measure(url: string): Promise<Figures> {
  const before = process.memoryUsage();
  const peak = { rss: before.rss, heap: before.heapUsed, buffers: before.arrayBuffers };
  const sample = () => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heap = Math.max(peak.heap, now.heapUsed);
    peak.buffers = Math.max(peak.buffers, now.arrayBuffers);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  return new Promise<Figures>((resolve, reject) => {
    http
      .get(url, { headers: { Accept: 'text/csv' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
        let newlines = 0;
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) newlines += 1;
        });
        res.on('end', () => {
          clearInterval(timer);
          sample();
          if (!res.complete) reject(new Error('the export was cut short'));
          resolve({
            rows: newlines - 1,
            bytes,
            seconds: (performance.now() - started) / 1_000,
            rssMb: before.rss / MB,
            peakRssMb: peak.rss / MB,
            heapGrowthMb: (peak.heap - before.heapUsed) / MB,
            buffersGrowthMb: (peak.buffers - before.arrayBuffers) / MB,
          });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

runBench(async ({ defer }) => {
  dotenv.config({ quiet: true });
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', AUTH_DISABLED: 'true', RATE_LIMIT_MAX: '0' });
  const logger = createLogger(config);
  const server = await openServer(config, logger, defer);
  const target = await createBenchDatabase(server, defer);
  const dataSource = await buildDataSource(target, { ...config.db, statementTimeoutMs: 0 }).initialize();
  defer('close the bench data source', () => dataSource.destroy());
  await dataSource.runMigrations({ transaction: 'each' });

  const pools = await openPools(dataSource, config);
  defer('close the bench pools', () => pools.close());
  const app = createApp({ config, logger, services: buildServices(pools, config) });
  const listener = http.createServer(app);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  defer('stop the HTTP server', () => new Promise((resolve) => listener.close(resolve)));
  const { port } = listener.address() as AddressInfo;

  const start = new Date('2026-01-01T00:00:00Z');
  let loaded = 0;
  for (const rows of SIZES) {
    const started = performance.now();
    for (; loaded < rows; loaded += CHUNK) {
      await dataSource.query(
        `INSERT INTO vehicle_history (vehicle_id, ts, soc, kwh_delivered_dc, battery_temp)
         SELECT $1, $2::timestamptz + i * interval '${STEP_SECONDS} seconds', 20 + i % 80, 0.02 + (i % 7) * 0.002, 15 + i % 20
         FROM generate_series($3::bigint, $4::bigint) AS i`,
        [VEHICLE, start, loaded + 1, Math.min(loaded + CHUNK, rows)],
      );
    }
    await dataSource.query('VACUUM (ANALYZE) vehicle_history');
    console.error(
      `bench: ${rows.toLocaleString('en-US')} readings loaded in ${((performance.now() - started) / 1_000).toFixed(0)} s`,
    );

    const to = new Date(start.getTime() + rows * STEP_SECONDS * 1_000).toISOString();
    const query = new URLSearchParams({ from: start.toISOString(), to }).toString();
    const figures = await measure(`http://127.0.0.1:${port}/v1/vehicles/${VEHICLE}/readings?${query}`);
    if (figures.rows !== rows) throw new Error(`the export had ${figures.rows} rows, not ${rows}`);
    console.log(
      [
        `rows ${figures.rows.toLocaleString('en-US')}`,
        `bytes ${figures.bytes.toLocaleString('en-US')} (${(figures.bytes / MB).toFixed(0)} MB)`,
        `seconds ${figures.seconds.toFixed(1)} (${(figures.bytes / MB / figures.seconds).toFixed(0)} MB/s)`,
        `RSS ${figures.rssMb.toFixed(0)} MB before, peak ${figures.peakRssMb.toFixed(0)} MB`,
        `heap growth ${figures.heapGrowthMb.toFixed(1)} MB, buffers ${figures.buffersGrowthMb.toFixed(1)} MB`,
      ].join(' · '),
    );
  }
  return 0;
});
