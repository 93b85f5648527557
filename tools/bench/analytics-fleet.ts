import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../../src/config/config';
import type { ConnectionTarget } from '../../src/db/data-source';
import { AnalyticsRepository } from '../../src/analytics/analytics.repository';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { DEVICES, fill, migratedDataSource } from './analytics-data';
import { RAW_FLEET } from './analytics-raw-fleet';
import { fillYear, rawSeriesCall, seriesCall, timeIngest, YEAR_VEHICLE } from './analytics-year';
import { createBenchDatabase } from './environment';
import { median, percentile } from './stats';
import type { Defer } from './teardown';

/**
 * How the fleet list scales with its window: the latest 24 h and the latest 30 days of a month of
 * history, every vehicle charging 8 h a day, so a page ranks all of them. Both windows run in
 * alternating rounds, through the repository (rollups, sessions' stored energy, edges from history)
 * and through the statement as it was before the rollups (history alone), on the same database. In
 * the same rounds: one vehicle's series over a year and over a day, with the buckets the API picks
 * (1d and 15m), against the year's daily points straight from history; and the cost of a 2,000-reading
 * ingest transaction with the history triggers that keep the rollups on and off.
 */
export const FLEET_PLANS = {
  full: { days: 31, warmup: 3, rounds: 20, ingestRounds: 40 },
  // The same month of minute readings, fewer rounds: history alone over 30 days takes seconds a call.
  quick: { days: 31, warmup: 1, rounds: 5, ingestRounds: 10 },
};
type FleetPlan = (typeof FLEET_PLANS)[keyof typeof FLEET_PLANS];

const SPANS = { '24 h': 24, '30 d': 30 * 24 } as const;
type Span = keyof typeof SPANS;
const PATHS = ['rollups', 'history only'] as const;
type Path = (typeof PATHS)[number];
const SERIES_SPANS = { '1 day': 1, '1 year': 365 } as const;
type SeriesSpan = keyof typeof SERIES_SPANS;
const INGEST = ['triggers on', 'triggers off'] as const;
type Ingest = (typeof INGEST)[number];
const INGEST_TARGET = 1.3;
/** The page the API serves by default, plus the row that tells whether another follows. */
const PAGE = 101;
/** The service defaults: judged as the fleet list judges by default. */
const FIGURES = { threshold: 0.85, minCoverage: 0.95, readingIntervalSeconds: 60 };
const TARGET_RATIO = 3;

export interface FleetResult {
  rows: number;
  fillSeconds: number;
  latencies: Record<Path, Record<Span, number[]>>;
  series: Record<Path, Record<SeriesSpan, number[]>>;
  ingest: Record<Ingest, number[]>;
}

export async function benchFleet(
  server: ConnectionTarget,
  config: AppConfig,
  plan: FleetPlan,
  defer: Defer,
): Promise<FleetResult> {
  const dataSource = await migratedDataSource(await createBenchDatabase(server, defer), config, false);
  defer('close the fleet bench data source', () => dataSource.destroy());
  const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const readings = plan.days * 1_440;
  const start = new Date(end.getTime() - (readings - 1) * 60_000);
  await new PartitionService(
    new PartitionRepository(dataSource, config.db.lockTimeoutMs),
    config.partitions,
    () => start,
  ).maintain();
  const rows = readings * DEVICES;
  const started = performance.now();
  await fill(dataSource, rows, start, end);
  await fillYear(dataSource, config, end);
  const fillSeconds = (performance.now() - started) / 1_000;
  console.error(
    `bench: fleet history of ${rows.toLocaleString('en-US')} rows per table filled in ${fillSeconds.toFixed(0)} s`,
  );

  const repository = new AnalyticsRepository(dataSource);
  const run: Record<Path, (from: Date) => Promise<unknown>> = {
    rollups: (from) => repository.fleetFigures({ from, to: end }, {}, FIGURES, PAGE),
    'history only': (from) => dataSource.query(RAW_FLEET, [from, end, null, null, null, PAGE]),
  };
  const series: Record<Path, (days: number) => Promise<unknown>> = {
    rollups: seriesCall(dataSource, end),
    'history only': rawSeriesCall(dataSource, end),
  };
  const result: FleetResult = {
    rows,
    fillSeconds,
    latencies: { rollups: { '24 h': [], '30 d': [] }, 'history only': { '24 h': [], '30 d': [] } },
    series: { rollups: { '1 day': [], '1 year': [] }, 'history only': { '1 day': [], '1 year': [] } },
    ingest: { 'triggers on': [], 'triggers off': [] },
  };
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    await call();
    return performance.now() - started;
  };
  const calls = [
    ...PATHS.flatMap((path) =>
      (Object.keys(SPANS) as Span[]).map((span) => ({
        call: () => run[path](new Date(end.getTime() - SPANS[span] * 3_600_000)),
        samples: result.latencies[path][span],
      })),
    ),
    ...PATHS.flatMap((path) =>
      (Object.keys(SERIES_SPANS) as SeriesSpan[]).map((span) => ({
        call: () => series[path](SERIES_SPANS[span]),
        samples: result.series[path][span],
      })),
    ),
  ];
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    // A different one first each round, so none always runs right after the same other.
    for (let k = 0; k < calls.length; k++) {
      const { call, samples } = calls[(round + k) % calls.length];
      const latency = await timed(call);
      if (round >= plan.warmup) samples.push(latency);
    }
  }
  // Last, because it writes: readings stamped now, after every window read above.
  for (let round = 0; round < plan.warmup + plan.ingestRounds; round++) {
    for (const mode of round % 2 === 0 ? INGEST : [...INGEST].reverse()) {
      const latency = await timeIngest(dataSource, mode === 'triggers on');
      if (round >= plan.warmup) result.ingest[mode].push(latency);
    }
  }
  return result;
}

export function fleetReport({ rows, fillSeconds, latencies, series, ingest }: FleetResult): {
  lines: string[];
  met: boolean;
} {
  const ms = (samples: number[]) => `${median(samples).toFixed(1)} / ${percentile(samples, 99).toFixed(1)}`;
  const over = (samples: Record<string, number[]>, long: string, short: string) =>
    median(samples[long]) / median(samples[short]);
  const fleetRatio = over(latencies.rollups, '30 d', '24 h');
  const seriesRatio = over(series.rollups, '1 year', '1 day');
  const ingestRatio = over(ingest, 'triggers on', 'triggers off');
  const met = fleetRatio <= TARGET_RATIO && seriesRatio <= TARGET_RATIO && ingestRatio <= INGEST_TARGET;
  const verdict = (ratio: number, target: number) =>
    `${ratio.toFixed(2)}** (target ≤ ${target}: ${ratio <= target ? 'met' : 'missed'})`;
  const lines = [
    `## Fleet efficiency list, ${DEVICES} vehicles, latest 24 h and 30 days; a vehicle's series over a day and a year`,
    '',
    `- ${rows.toLocaleString('en-US')} rows per history table (31 days of a reading a minute per device), an 8 h ` +
      `session a day per vehicle, and a year of minute readings for ${YEAR_VEHICLE}; filled in ${fillSeconds.toFixed(0)} s. ` +
      `A fleet page of ${PAGE - 1} (+1) ranked over all`,
    `- ${latencies.rollups['24 h'].length} alternating rounds; "history only" is the statement before the rollups, ` +
      'same database (for the series: the year of daily points by GROUP BY over history)',
    '',
    '| statement | 24 h p50 / p99 (ms) | 30 d p50 / p99 (ms) | p50 30 d / 24 h |',
    '| --- | ---: | ---: | ---: |',
    ...PATHS.map(
      (path) =>
        `| ${path} | ${ms(latencies[path]['24 h'])} | ${ms(latencies[path]['30 d'])} | ${over(latencies[path], '30 d', '24 h').toFixed(2)} |`,
    ),
    '',
    '| series | 1 day p50 / p99 (ms) | 1 year p50 / p99 (ms) | p50 year / day |',
    '| --- | ---: | ---: | ---: |',
    ...PATHS.map(
      (path) =>
        `| ${path} | ${ms(series[path]['1 day'])} | ${ms(series[path]['1 year'])} | ${over(series[path], '1 year', '1 day').toFixed(2)} |`,
    ),
    '',
    `| ingest, 2,000 readings a transaction | p50 / p99 (ms) |`,
    '| --- | ---: |',
    ...INGEST.map((mode) => `| history triggers ${mode.replace('triggers ', '')} | ${ms(ingest[mode])} |`),
    '',
    `- fleet list: 30 d / 24 h = **${verdict(fleetRatio, TARGET_RATIO)}; ` +
      `30 d before / after rollups = **${(median(latencies['history only']['30 d']) / median(latencies.rollups['30 d'])).toFixed(1)}×**`,
    `- series: 1 year / 1 day = **${verdict(seriesRatio, TARGET_RATIO)}`,
    `- ingest with / without the history triggers = **${verdict(ingestRatio, INGEST_TARGET)}`,
    '',
  ];
  return { lines, met };
}
