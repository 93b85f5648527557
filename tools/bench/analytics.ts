import 'reflect-metadata';
import dotenv from 'dotenv';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import type { Window } from '../../src/analytics/analytics.dto';
import { AnalyticsRepository } from '../../src/analytics/analytics.repository';
import { AnalyticsService } from '../../src/analytics/analytics.service';
import { loadConfig, type AppConfig } from '../../src/config/config';
import type { ConnectionTarget } from '../../src/db/data-source';
import type { Reading } from '../../src/ingestion/ingestion.dto';
import { IngestionRepository } from '../../src/ingestion/ingestion.repository';
import { createLogger } from '../../src/logger';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { DEVICES, fill, migratedDataSource } from './analytics-data';
import { benchFleet, FLEET_PLANS, fleetReport } from './analytics-fleet';
import { createBenchDatabase, openServer } from './environment';
import { median, percentile } from './stats';
import { runBench, Teardown, type Defer } from './teardown';

/**
 * How the analytics read scales with history. Two databases are filled the way production fills
 * them, one reading a minute per device with every device interleaved in each minute, to two sizes;
 * the performance query then runs in alternating rounds on both, a random vehicle each time, so that
 * anything else the machine does lands on both sizes alike. Each round asks about the latest 24 h
 * (what a dashboard asks, pages that stay cached) and about a random 24 h of the history (every page
 * of the table in play, which is where size would show).
 */
const PLANS = {
  full: { sizes: [1_000_000, 10_000_000], warmup: 200, rounds: 2_000, ingestRounds: 100 },
  // A day of readings at the smaller size too, so that both sizes read the same number of rows.
  quick: { sizes: [750_000, 1_500_000], warmup: 50, rounds: 300, ingestRounds: 10 },
};
/** Minutes of every device's readings per ingest transaction: 2 × 500 × 2 types = 2,000 readings. */
const INGEST_MINUTES = 2;
const WINDOW_HOURS = 24;
const TARGET_RATIO = 1.5;
const KINDS = ['latest', 'anywhere'] as const;
type Kind = (typeof KINDS)[number];

interface Sample {
  rows: number;
  service: AnalyticsService;
  writer: IngestionRepository;
  dataSource: DataSource;
  start: Date;
  end: Date;
  fillSeconds: number;
  keyMb: number;
  latencies: Record<Kind, number[]>;
  ingest: number[];
}

const seconds = (since: number) => (performance.now() - since) / 1_000;

async function prepare(server: ConnectionTarget, config: AppConfig, rows: number, plainKey: boolean, defer: Defer) {
  const target = await createBenchDatabase(server, defer);
  const dataSource = await migratedDataSource(target, config, plainKey);
  defer('close a bench data source', () => dataSource.destroy());
  const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const start = new Date(end.getTime() - (Math.ceil(rows / DEVICES) - 1) * 60_000);
  // The partitions the server would have made by the time the first reading arrived.
  await new PartitionService(
    new PartitionRepository(dataSource, config.db.lockTimeoutMs),
    config.partitions,
    () => start,
  ).maintain();
  const started = performance.now();
  await fill(dataSource, rows, start, end);
  const fillSeconds = seconds(started);
  const [{ bytes }] = await dataSource.query<Array<{ bytes: string }>>(
    `SELECT sum(pg_relation_size(indexrelid))::bigint AS bytes FROM pg_index
     WHERE indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'vehicle_history'::regclass
                        UNION ALL SELECT 'vehicle_history'::regclass) AND indisprimary`,
  );
  console.error(`bench: ${rows.toLocaleString('en-US')} rows per history table filled in ${fillSeconds.toFixed(0)} s`);
  const sample: Sample = {
    rows,
    dataSource,
    service: new AnalyticsService(new AnalyticsRepository(dataSource), config.analytics),
    writer: new IngestionRepository(dataSource),
    start,
    end,
    fillSeconds,
    keyMb: Number(bytes) / 2 ** 20,
    latencies: { latest: [], anywhere: [] },
    ingest: [],
  };
  return sample;
}

const random = (below: number) => Math.floor(Math.random() * below);

/** 24 h ending at the last minute of data, or at a random minute from the first full day on. */
function windowOf(sample: Sample, kind: Kind): Window {
  const span = WINDOW_HOURS * 3_600_000;
  const choices = kind === 'latest' ? 1 : (sample.end.getTime() - sample.start.getTime() - span) / 60_000 + 1;
  const to = sample.end.getTime() - random(choices) * 60_000;
  return { from: new Date(to - span), to: new Date(to) };
}

async function timeOne(sample: Sample, kind: Kind): Promise<number> {
  const window = windowOf(sample, kind);
  const started = performance.now();
  await sample.service.vehiclePerformance(`V-${random(DEVICES)}`, window);
  return performance.now() - started;
}

/** One transaction of the service's own write path, appending the minutes after the newest stored. */
async function timeIngest(sample: Sample, round: number): Promise<number> {
  const readings: Reading[] = [];
  for (let minute = 1; minute <= INGEST_MINUTES; minute++) {
    const timestamp = new Date(sample.end.getTime() + (round * INGEST_MINUTES + minute) * 60_000);
    for (let device = 0; device < DEVICES; device++) {
      const [kwhConsumedAc, kwhDeliveredDc] = [0.03, 0.025];
      readings.push({ type: 'meter', meterId: `M-${device}`, kwhConsumedAc, voltage: 230, timestamp });
      readings.push({ type: 'vehicle', vehicleId: `V-${device}`, soc: 50, kwhDeliveredDc, batteryTemp: 20, timestamp });
    }
  }
  const started = performance.now();
  await sample.writer.write(readings);
  return performance.now() - started;
}

/** The statements one performance call sends, explained with their buffer counts. */
async function explain(sample: Sample): Promise<string> {
  const sent: Array<[string, unknown[]]> = [];
  const query = sample.dataSource.query.bind(sample.dataSource);
  sample.dataSource.query = ((sql: string, params?: unknown[]) => {
    sent.push([sql, params ?? []]);
    return query(sql, params);
  }) as DataSource['query'];
  try {
    await sample.service.vehiclePerformance('V-7', windowOf(sample, 'latest'));
  } finally {
    sample.dataSource.query = query;
  }
  const plans: string[] = [];
  for (const [sql, params] of sent) {
    const rows: Array<{ 'QUERY PLAN': string }> = await query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
    plans.push(rows.map((row) => row['QUERY PLAN']).join('\n'));
  }
  return plans.join('\n\n');
}

function report(samples: Sample[], context: string[], plan: string): { markdown: string; met: boolean } {
  const ms = (value: number) => value.toFixed(2);
  const count = (value: number) => value.toLocaleString('en-US');
  const [small, large] = samples;
  const ratios = KINDS.map((kind) => ({ kind, ratio: median(large.latencies[kind]) / median(small.latencies[kind]) }));
  const lines = [
    `# Analytics benchmark, ${new Date().toISOString()}`,
    '',
    ...context.map((line) => `- ${line}`),
    '',
    '| history rows per table | fill, both tables (s) | vehicle_history key (MB) ' +
      '| latest 24 h p50 / p99 (ms) | any 24 h p50 / p99 (ms) | ingest p50 (ms) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...samples.map(
      (s) =>
        `| ${count(s.rows)} | ${s.fillSeconds.toFixed(0)} | ${s.keyMb.toFixed(0)} | ` +
        KINDS.map((kind) => `${ms(median(s.latencies[kind]))} / ${ms(percentile(s.latencies[kind], 99))}`).join(' | ') +
        ` | ${ms(median(s.ingest))} |`,
    ),
    '',
    ...ratios.map(
      ({ kind, ratio }) =>
        `- ${kind === 'latest' ? 'latest 24 h' : 'any 24 h'}: p50(${count(large.rows)}) / p50(${count(small.rows)}) = ` +
        `**${ratio.toFixed(2)}** (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'missed'})`,
    ),
    '',
    `## The performance statement at ${count(large.rows)} rows, latest 24 h`,
    '',
    '```',
    plan,
    '```',
    '',
  ];
  return { markdown: lines.join('\n'), met: ratios.every(({ ratio }) => ratio <= TARGET_RATIO) };
}

async function main(teardown: Teardown): Promise<number> {
  const started = new Date();
  const mode = process.argv.includes('--quick') ? 'quick' : 'full';
  const plainKey = process.argv.includes('--plain-key');
  const plan = PLANS[mode];
  dotenv.config({ quiet: true });
  // With no database configured, the embedded server of `npm run bench`, apart from `npm start`'s and the tests'.
  // Filling runs statements far longer than a request may.
  const config = loadConfig({
    ...process.env,
    EMBEDDED_PG_DIR: 'data/postgres-bench',
    EMBEDDED_PG_PORT: '54359',
    DB_STATEMENT_TIMEOUT_MS: '0',
  });
  const server = await openServer(config, createLogger({ logLevel: 'warn' }), teardown.defer);

  const samples: Sample[] = [];
  for (const rows of plan.sizes) samples.push(await prepare(server, config, rows, plainKey, teardown.defer));

  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    // Alternate which size goes first, so neither always runs right after the other.
    for (const kind of KINDS) {
      for (const sample of round % 2 === 0 ? samples : [...samples].reverse()) {
        const latency = await timeOne(sample, kind);
        if (round >= plan.warmup) sample.latencies[kind].push(latency);
      }
    }
  }

  const statementPlan = await explain(samples[samples.length - 1]);
  // Last, because it adds rows: after the newest minute, outside every window read above.
  for (let round = 0; round < plan.ingestRounds; round++) {
    for (const sample of round % 2 === 0 ? samples : [...samples].reverse()) {
      sample.ingest.push(await timeIngest(sample, round));
    }
  }

  // On a database of its own, a month long, after the other samples are done with the machine.
  const fleet = fleetReport(await benchFleet(server, config, FLEET_PLANS[mode], teardown.defer));

  const [{ server_version: postgres }] =
    await samples[0].dataSource.query<Array<{ server_version: string }>>('SHOW server_version');
  const { markdown, met } = report(
    samples,
    [
      `\`npm run bench:analytics${mode === 'quick' ? ' -- --quick' : ''}${plainKey ? ' -- --plain-key' : ''}\`: ` +
        `${plan.rounds} alternating rounds after ${plan.warmup} of warm-up, a random vehicle each time`,
      `Node ${process.version}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
        `PostgreSQL ${postgres} (${config.database.kind === 'embedded' ? 'embedded' : 'configured'} server), fresh databases`,
      `${DEVICES} vehicles and ${DEVICES} meters, one reading a minute each, all devices interleaved per minute (arrival order); ` +
        `one 8 h session a day per vehicle`,
      `query: GET /v1/analytics/performance/:vehicleId over ${WINDOW_HOURS} h, through AnalyticsService ` +
        `(${WINDOW_HOURS * 60} vehicle readings, from < ts <= to, and 480 session meter readings per call)`,
      `ingest: IngestionRepository.write of ${(INGEST_MINUTES * DEVICES * 2).toLocaleString('en-US')} readings ` +
        `(every device, ${INGEST_MINUTES} new minutes) per transaction, ${plan.ingestRounds} alternating rounds`,
      `primary keys: ${plainKey ? 'plain (vehicle_id, ts) / (meter_id, ts), --plain-key' : 'covering, as migrated'}`,
    ],
    statementPlan,
  );
  const written = [markdown, ...fleet.lines].join('\n');
  console.log(written);

  const stamp = started
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const variant = plainKey ? '-plain-key' : '';
  const file = path.join(
    'tools',
    'bench',
    'results',
    `analytics${variant}-${stamp}.${mode === 'quick' ? 'tmp' : 'md'}`,
  );
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, written);
  console.error(`bench: written to ${file}`);
  return mode === 'quick' || plainKey || (met && fleet.met) ? 0 : 1;
}

runBench(main);
