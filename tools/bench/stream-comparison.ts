import { batch, single, type HttpPhaseContext, type PhaseResult } from './phases';
import { median } from './stats';

/** The phases the stream touches: ingestion over HTTP, one reading per request and in batches. */
const COMPARED = { single, batch };
type Compared = keyof typeof COMPARED;
export type StreamSetting = 'off' | 'on';
export type StreamRound = Record<Compared, Record<StreamSetting, PhaseResult>>;

/** The most ingestion may lose to a stream that no client follows. */
const ALLOWED_DROP = 0.05;

/**
 * Each round runs every phase against the service with the stream off and against one with it on,
 * in alternating order, so that neither side always meets the warmer database or the larger tables.
 */
export async function compareStream(
  contexts: Record<StreamSetting, HttpPhaseContext>,
  rounds: number,
  log: (line: string) => void,
): Promise<StreamRound[]> {
  const results: StreamRound[] = [];
  for (let index = 1; index <= rounds; index++) {
    const round = {} as StreamRound;
    const order: StreamSetting[] = index % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
    for (const name of Object.keys(COMPARED) as Compared[]) {
      round[name] = {} as Record<StreamSetting, PhaseResult>;
      for (const setting of order) {
        round[name][setting] = await COMPARED[name](contexts[setting]);
        log(
          `round ${index}/${rounds} ${name}, stream ${setting}: ${Math.round(round[name][setting].readingsPerSecond)} readings/s`,
        );
      }
    }
    results.push(round);
  }
  return results;
}

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

export function renderStreamComparison(
  title: string,
  context: string[],
  rounds: StreamRound[],
): { markdown: string; missed: string[] } {
  const rows = (Object.keys(COMPARED) as Compared[]).map((name) => {
    const off = rounds.map((round) => round[name].off.readingsPerSecond);
    const on = rounds.map((round) => round[name].on.readingsPerSecond);
    // Within each round, where both sides saw the same machine, then their median.
    const ratios = rounds.map((_, i) => on[i] / off[i]);
    return { name, off, on, ratios, ratio: median(ratios) };
  });
  const markdown = [
    `# ${title}`,
    '',
    ...context.map((line) => `- ${line}`),
    '',
    '| phase | stream off, readings/s (median) | stream on, readings/s (median) | on / off per round | on / off (median) |',
    '| --- | ---: | ---: | --- | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.name} | ${count(median(row.off))} | ${count(median(row.on))} | ${row.ratios.map(percent).join(' / ')} | ${percent(row.ratio)} |`,
    ),
    '',
    `Target: with the stream on and no client following it, each phase keeps ≥ ${percent(1 - ALLOWED_DROP)} of its throughput with the stream off.`,
    '',
  ].join('\n');
  const missed = rows.filter((row) => row.ratio < 1 - ALLOWED_DROP).map((row) => `${row.name} with the stream on`);
  return { markdown, missed };
}
