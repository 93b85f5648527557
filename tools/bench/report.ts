import { BATCH_CLIENTS, BATCH_SIZE, SINGLE_CONNECTIONS, type PhaseResult } from './phases';
import { median } from './stats';

export const PHASES = ['single', 'batch', 'floor', 'naive', 'ceiling'] as const;
export type PhaseName = (typeof PHASES)[number];
export type Round = Record<PhaseName, PhaseResult>;

export interface BenchRun {
  title: string;
  /** Lines describing where and how the run happened. */
  context: string[];
  rounds: Round[];
  memory: { sampledMb: number; peakMb: number };
}

const DESCRIPTIONS: Record<PhaseName, string> = {
  single: `HTTP, one reading per POST, ${SINGLE_CONNECTIONS} connections`,
  batch: `HTTP, ${BATCH_SIZE.toLocaleString('en-US')} mixed readings per POST, ${BATCH_CLIENTS} clients`,
  floor: `bare pg, same SQL, one transaction per ${BATCH_SIZE.toLocaleString('en-US')} readings, ${BATCH_CLIENTS} clients`,
  naive: `in-process TypeORM, transaction with 2 × save() per reading, ${SINGLE_CONNECTIONS} concurrent`,
  ceiling: `reference: GET /healthz requests/s (no reading, no database), ${SINGLE_CONNECTIONS} connections`,
};

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => value.toFixed(1);

function phaseRow(name: PhaseName, rounds: Round[]): string {
  const results = rounds.map((round) => round[name]);
  const rates = results.map((result) => result.readingsPerSecond);
  return `| ${name} | ${DESCRIPTIONS[name]} | ${count(median(rates))} | ${rates.map(count).join(' / ')} | ${ms(
    median(results.map((result) => result.p50Ms)),
  )} | ${ms(median(results.map((result) => result.p99Ms)))} | ${count(results.reduce((sum, result) => sum + result.notStored, 0))} |`;
}

/** Ratios are taken within each round, where both sides saw the same machine, then their median. */
function ratios(rounds: Round[], over: PhaseName, under: PhaseName): { perRound: number[]; median: number } {
  const perRound = rounds.map((round) => round[over].readingsPerSecond / round[under].readingsPerSecond);
  return { perRound, median: median(perRound) };
}

export function renderReport(run: BenchRun): { markdown: string; missed: string[] } {
  const batchFloor = ratios(run.rounds, 'batch', 'floor');
  const singleNaive = ratios(run.rounds, 'single', 'naive');
  const singleCeiling = ratios(run.rounds, 'single', 'ceiling');
  const singleP99 = median(run.rounds.map((round) => round.single.p99Ms));
  const rssMb = Math.max(run.memory.peakMb, run.memory.sampledMb);
  const percent = (value: number) => `${(value * 100).toFixed(0)} %`;
  const times = (value: number) => `${value.toFixed(1)}×`;

  const targets = [
    {
      target: 'batch over HTTP ≥ 70 % of the floor',
      measured: percent(batchFloor.median),
      met: batchFloor.median >= 0.7,
    },
    {
      target: 'single readings ≥ 20× the naive baseline',
      measured: times(singleNaive.median),
      met: singleNaive.median >= 20,
    },
    {
      target: `single-reading p99 ≤ 100 ms at ${SINGLE_CONNECTIONS} connections`,
      measured: `${ms(singleP99)} ms`,
      met: singleP99 <= 100,
    },
    { target: 'service RSS ≤ 250 MB', measured: `${rssMb.toFixed(0)} MB`, met: rssMb <= 250 },
  ];

  const markdown = [
    `# ${run.title}`,
    '',
    ...run.context.map((line) => `- ${line}`),
    '',
    '| phase | what | readings/s (median) | readings/s per round | p50 ms | p99 ms | not stored |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: |',
    ...PHASES.map((name) => phaseRow(name, run.rounds)),
    '',
    'Latency is per request for the HTTP phases and per transaction for the others; p50/p99 are medians over the rounds.',
    '"Not stored" counts readings sent that did not become new rows (errors, non-2xx answers, duplicates), over all rounds.',
    '',
    '| ratio | per round | median |',
    '| --- | --- | ---: |',
    `| batch / floor | ${batchFloor.perRound.map(percent).join(' / ')} | ${percent(batchFloor.median)} |`,
    `| single / naive | ${singleNaive.perRound.map(times).join(' / ')} | ${times(singleNaive.median)} |`,
    `| single / ceiling | ${singleCeiling.perRound.map(percent).join(' / ')} | ${percent(singleCeiling.median)} |`,
    '',
    `Service RSS: VmHWM ${run.memory.peakMb.toFixed(0)} MB, largest 250 ms VmRSS sample ${run.memory.sampledMb.toFixed(0)} MB.`,
    '',
    '| target | measured | result |',
    '| --- | ---: | --- |',
    ...targets.map(({ target, measured, met }) => `| ${target} | ${measured} | ${met ? 'PASS' : 'MISS'} |`),
    '',
  ].join('\n');
  return { markdown, missed: targets.filter((target) => !target.met).map((target) => target.target) };
}
