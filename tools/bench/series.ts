/**
 * Series timings for the analytics benchmark: one vehicle's year in 1d buckets (whole hours from the
 * hourly rollups) against its last day in 1m buckets (history only), over HTTP like a chart would ask.
 * tools/bench/analytics.ts calls seriesTimings() once its history is filled.
 */
import { median, percentile } from './stats';

export interface SeriesTiming {
  name: string;
  points: number;
  medianMs: number;
  p95Ms: number;
}

const DAY_MS = 86_400_000;

async function timed(url: string, runs: number): Promise<{ points: number; samples: number[] }> {
  const samples: number[] = [];
  let points = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    points = ((await res.json()) as { points: unknown[] }).points.length;
    samples.push(performance.now() - started);
  }
  return { points, samples };
}

/** `baseUrl` is the running service, `to` the end of the filled history. */
export async function seriesTimings(baseUrl: string, vehicleId: string, to: Date, runs = 20): Promise<SeriesTiming[]> {
  const shapes = [
    { name: '1 year, 1d buckets', span: 365 * DAY_MS, bucket: '1d' },
    { name: '1 day, 1m buckets', span: DAY_MS, bucket: '1m' },
  ];
  const timings: SeriesTiming[] = [];
  for (const { name, span, bucket } of shapes) {
    const query = new URLSearchParams({
      from: new Date(to.getTime() - span).toISOString(),
      to: to.toISOString(),
      bucket,
    });
    const { points, samples } = await timed(
      `${baseUrl}/v1/analytics/vehicles/${vehicleId}/series?${query.toString()}`,
      runs,
    );
    timings.push({ name, points, medianMs: median(samples), p95Ms: percentile(samples, 95) });
  }
  return timings;
}

/** Markdown rows for the report. */
export const seriesTable = (timings: SeriesTiming[]): string =>
  [
    '| series | points | median ms | p95 ms |',
    '| --- | ---: | ---: | ---: |',
    ...timings.map((t) => `| ${t.name} | ${t.points} | ${t.medianMs.toFixed(1)} | ${t.p95Ms.toFixed(1)} |`),
  ].join('\n');
