import { performance } from 'node:perf_hooks';
import type { AppConfig } from '../../src/config/config';
import type { ConnectionTarget } from '../../src/db/data-source';
import { AnalyticsRepository } from '../../src/analytics/analytics.repository';
import { PartitionRepository } from '../../src/partitions/partition.repository';
import { PartitionService } from '../../src/partitions/partition.service';
import { DEVICES, fill, migratedDataSource } from './analytics-data';
import { RAW_FLEET } from './analytics-raw-fleet';
import { createBenchDatabase } from './environment';
import { median, percentile } from './stats';
import type { Defer } from './teardown';

/**
 * How the fleet list scales with its window: the latest 24 h and the latest 30 days of a month of
 * history, every vehicle charging 8 h a day, so a page ranks all of them. Both windows run in
 * alternating rounds, through the repository (whole hours from the rollups, edges from history) and
 * through the statement as it was before the rollups (history alone), on the same database.
 */
export const FLEET_PLANS = {
  full: { days: 31, warmup: 3, rounds: 20 },
  // The same month of minute readings, fewer rounds: history alone over 30 days takes seconds a call.
  quick: { days: 31, warmup: 1, rounds: 5 },
};
type FleetPlan = (typeof FLEET_PLANS)[keyof typeof FLEET_PLANS];

const SPANS = { '24 h': 24, '30 d': 30 * 24 } as const;
type Span = keyof typeof SPANS;
const PATHS = ['rollups', 'history only'] as const;
type Path = (typeof PATHS)[number];
/** The page the API serves by default, plus the row that tells whether another follows. */
const PAGE = 101;
const TARGET_RATIO = 3;

export interface FleetResult {
  rows: number;
  fillSeconds: number;
  latencies: Record<Path, Record<Span, number[]>>;
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
  await new PartitionService(new PartitionRepository(dataSource), config.partitions, () => start).maintain();
  const rows = readings * DEVICES;
  const started = performance.now();
  await fill(dataSource, rows, start, end);
  const fillSeconds = (performance.now() - started) / 1_000;
  console.error(
    `bench: fleet history of ${rows.toLocaleString('en-US')} rows per table filled in ${fillSeconds.toFixed(0)} s`,
  );

  const repository = new AnalyticsRepository(dataSource);
  const run: Record<Path, (from: Date) => Promise<unknown>> = {
    rollups: (from) => repository.fleetFigures({ from, to: end }, PAGE),
    'history only': (from) => dataSource.query(RAW_FLEET, [from, end, null, null, null, PAGE]),
  };
  const latencies = {
    rollups: { '24 h': [], '30 d': [] },
    'history only': { '24 h': [], '30 d': [] },
  } as FleetResult['latencies'];
  const order = PATHS.flatMap((path) => (Object.keys(SPANS) as Span[]).map((span) => ({ path, span })));
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    // A different one first each round, so none always runs right after the same other.
    for (let k = 0; k < order.length; k++) {
      const { path, span } = order[(round + k) % order.length];
      const timed = performance.now();
      await run[path](new Date(end.getTime() - SPANS[span] * 3_600_000));
      if (round >= plan.warmup) latencies[path][span].push(performance.now() - timed);
    }
  }
  return { rows, fillSeconds, latencies };
}

export function fleetReport({ rows, fillSeconds, latencies }: FleetResult): {
  lines: string[];
  met: boolean;
} {
  const ms = (samples: number[]) => `${median(samples).toFixed(1)} / ${percentile(samples, 99).toFixed(1)}`;
  const ratio = (path: Path) => median(latencies[path]['30 d']) / median(latencies[path]['24 h']);
  const met = ratio('rollups') <= TARGET_RATIO;
  const lines = [
    `## Fleet efficiency list, ${DEVICES} vehicles, latest 24 h and 30 days`,
    '',
    `- ${rows.toLocaleString('en-US')} rows per history table (31 days of a reading a minute per device, ` +
      `filled in ${fillSeconds.toFixed(0)} s), an 8 h session a day per vehicle; a page of ${PAGE - 1} (+1) ranked over all`,
    `- ${latencies.rollups['24 h'].length} alternating rounds; "history only" is the statement before the rollups, same database`,
    '',
    '| statement | 24 h p50 / p99 (ms) | 30 d p50 / p99 (ms) | p50 30 d / 24 h |',
    '| --- | ---: | ---: | ---: |',
    ...PATHS.map(
      (path) =>
        `| ${path} | ${ms(latencies[path]['24 h'])} | ${ms(latencies[path]['30 d'])} | ${ratio(path).toFixed(2)} |`,
    ),
    '',
    `- rollups: 30 d / 24 h = **${ratio('rollups').toFixed(2)}** (target ≤ ${TARGET_RATIO}: ${met ? 'met' : 'missed'}); ` +
      `30 d before / after rollups = **${(median(latencies['history only']['30 d']) / median(latencies.rollups['30 d'])).toFixed(1)}×**`,
    '',
  ];
  return { lines, met };
}
