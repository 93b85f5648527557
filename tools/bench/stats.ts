/** Nearest-rank percentile of unsorted samples; 0 when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}
