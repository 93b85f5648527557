import { BATCH_CLIENTS, BATCH_SIZE, SINGLE_CONNECTIONS, type PhaseResult } from './phases';
import { FLEET } from './readings';
import { median } from './stats';

/**
 * The service's phases first, then the baselines it is measured against. The keyed pair sits next to
 * `single`, the same load on the keyless service, so that it mostly runs after it; the register batch
 * next to `batch`, the same requests with counters instead of interval energy.
 */
export const PHASES = [
  'single',
  'single-fleet-key',
  'single-device-token',
  'single-x2',
  'batch',
  'batch-registers',
  'healthz',
  'floor',
  'node-http',
  'naive-express',
] as const;
export type PhaseName = (typeof PHASES)[number];
export type Round = Record<PhaseName, PhaseResult>;

export interface BenchRun {
  title: string;
  /** Lines describing where and how the run happened. */
  context: string[];
  rounds: Round[];
}

const BATCH = BATCH_SIZE.toLocaleString('en-US');
const DESCRIPTIONS: Record<PhaseName, string> = {
  single: `service: one reading per POST (group commit), ${SINGLE_CONNECTIONS} connections`,
  'single-fleet-key': `service with API keys on, a database of its own: one reading per POST, every one sent with one fleet-wide ingest key, ${SINGLE_CONNECTIONS} connections`,
  'single-device-token': `the same keyed service and load, each reading sent with its own device's token (${(2 * FLEET).toLocaleString('en-US')} devices, one token each)`,
  'single-x2': `two processes of the service, one database: one reading per POST, ${SINGLE_CONNECTIONS} connections split between them`,
  batch: `service: POST /v1/ingestion/batch of ${BATCH} mixed readings, ${BATCH_CLIENTS} clients`,
  'batch-registers': `the same batches of register readings instead (kwhRegisterAc / kwhRegisterDc, no interval energy): a fleet of its own, ${(2 * FLEET).toLocaleString('en-US')} devices, each counter one minute on per reading, in time order; ${BATCH_CLIENTS} clients`,
  healthz: `service: GET /healthz, requests/s (no reading, no database), ${SINGLE_CONNECTIONS} connections`,
  floor: `raw-SQL floor: bare pg, the service's statements, a transaction per ${BATCH} readings, ${BATCH_CLIENTS} writers`,
  'node-http': `bare node:http: reads the body, answers 201, stores nothing; requests/s, ${SINGLE_CONNECTIONS} connections`,
  'naive-express': `naive Express 5 + pg: express.json(), a transaction of 2 INSERTs per reading, ${SINGLE_CONNECTIONS} connections`,
};

/** Service figure over a baseline's: the ratios the targets are set on. */
const RATIOS: Array<{ over: PhaseName; under: PhaseName; atLeast?: number }> = [
  { over: 'batch', under: 'floor', atLeast: 0.7 },
  // Registers cost ingestion a device lock and a read of each device's previous reading; the floor stays the plain write.
  { over: 'batch-registers', under: 'floor', atLeast: 0.7 },
  { over: 'single', under: 'node-http', atLeast: 0.6 },
  { over: 'single', under: 'naive-express', atLeast: 2 },
  { over: 'single', under: 'healthz' },
  { over: 'single-x2', under: 'single' },
  // A device posting with its own token should cost the service no more than a backend posting with one key.
  { over: 'single-device-token', under: 'single-fleet-key', atLeast: 0.95 },
];
const SINGLE_P50_MS = 50;
const SINGLE_P99_MS = 100;
const RSS_MB = 250;

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(1);
const mb = (value: number) => value.toFixed(0);
const ratio = (value: number) => value.toFixed(2);

const results = (rounds: Round[], name: PhaseName) => rounds.map((round) => round[name]);
const medianOf = (rounds: Round[], name: PhaseName, figure: (result: PhaseResult) => number) =>
  median(results(rounds, name).map(figure));
const rate = (result: PhaseResult) => result.readingsPerSecond;

/** The service's peak over the rounds of one phase; undefined for a baseline, which does not load it. */
function serviceRss(rounds: Round[], name: PhaseName): number | undefined {
  const peaks = results(rounds, name).flatMap((result) => result.serviceRssMb ?? []);
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
}

function phaseRow(name: PhaseName, rounds: Round[]): string {
  const rss = serviceRss(rounds, name);
  const cells = [
    name,
    DESCRIPTIONS[name],
    count(medianOf(rounds, name, rate)),
    results(rounds, name).map(rate).map(count).join(' / '),
    ms(medianOf(rounds, name, (result) => result.p50Ms)),
    ms(medianOf(rounds, name, (result) => result.p99Ms)),
    rss === undefined ? '–' : mb(rss),
    count(results(rounds, name).reduce((sum, result) => sum + result.notStored, 0)),
  ];
  return `| ${cells.join(' | ')} |`;
}

export function renderReport(run: BenchRun): { markdown: string; missed: string[] } {
  const ratios = RATIOS.map(({ over, under, atLeast }) => ({
    name: `${over} ÷ ${under}`,
    perRound: run.rounds.map((round) => ratio(rate(round[over]) / rate(round[under]))),
    // The targets are set on the ratio of the medians; the per-round ratios show how far rounds agree.
    value: medianOf(run.rounds, over, rate) / medianOf(run.rounds, under, rate),
    atLeast,
  }));
  const singleP50 = medianOf(run.rounds, 'single', (result) => result.p50Ms);
  const singleP99 = medianOf(run.rounds, 'single', (result) => result.p99Ms);
  const rssMb = Math.max(...PHASES.map((name) => serviceRss(run.rounds, name) ?? 0));

  const targets = [
    ...ratios.flatMap(({ name, value, atLeast }) =>
      atLeast === undefined
        ? []
        : [{ target: `${name} ≥ ${ratio(atLeast)}`, measured: ratio(value), met: value >= atLeast }],
    ),
    {
      target: `single p50 ≤ ${SINGLE_P50_MS} ms at ${SINGLE_CONNECTIONS} connections`,
      measured: `${ms(singleP50)} ms`,
      met: singleP50 <= SINGLE_P50_MS,
    },
    {
      target: `single p99 ≤ ${SINGLE_P99_MS} ms at ${SINGLE_CONNECTIONS} connections`,
      measured: `${ms(singleP99)} ms`,
      met: singleP99 <= SINGLE_P99_MS,
    },
    { target: `service peak RSS ≤ ${RSS_MB} MB under every load`, measured: `${mb(rssMb)} MB`, met: rssMb <= RSS_MB },
  ];

  const markdown = [
    `# ${run.title}`,
    '',
    ...run.context.map((line) => `- ${line}`),
    '',
    '| scenario | what | readings/s (median) | per round | p50 ms | p99 ms | service peak RSS MB | not stored |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
    ...PHASES.map((name) => phaseRow(name, run.rounds)),
    '',
    'Latency is per request over HTTP and per transaction for the floor; p50/p99 are medians over the rounds.',
    "Peak RSS is the service's high-water mark while the phase ran, the largest over the rounds.",
    '"Not stored" counts readings sent that did not become new rows (errors, non-2xx answers, duplicates), over all rounds;',
    'for node-http, the answers other than 201.',
    '',
    '| ratio | per round | of the medians |',
    '| --- | --- | ---: |',
    ...ratios.map(({ name, perRound, value }) => `| ${name} | ${perRound.join(' / ')} | ${ratio(value)} |`),
    '',
    '| target | measured | result |',
    '| --- | ---: | --- |',
    ...targets.map(({ target, measured, met }) => `| ${target} | ${measured} | ${met ? 'PASS' : 'MISS'} |`),
    '',
  ].join('\n');
  return { markdown, missed: targets.filter((target) => !target.met).map((target) => target.target) };
}
