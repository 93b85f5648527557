import { readFileSync, writeFileSync } from 'node:fs';

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

/** Resets the kernel's high-water mark of resident memory (VmHWM) to the current RSS; false where not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * The most resident memory any of the processes `pids` reaches while `run` goes on, in MB. The kernel's
 * high-water marks are reset first so that they cover this stretch alone, which catches a peak between
 * samples; where the kernel refuses the reset, VmRSS sampled every 100 ms stands in for them.
 */
export async function peakRssDuring<T>(pids: number[], run: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  const exact = pids.map(resetPeak).every(Boolean);
  let sampledKb = 0;
  const sample = () => {
    try {
      sampledKb = Math.max(sampledKb, ...pids.map((pid) => statusKb(pid, 'VmRSS')));
    } catch {
      // The process is gone; the phase that needed it reports the failure.
    }
  };
  sample();
  const timer = exact ? undefined : setInterval(sample, 100);
  try {
    const result = await run();
    // Read while the processes still run: their status disappears with them.
    if (exact) return { result, peakMb: Math.max(...pids.map((pid) => statusKb(pid, 'VmHWM'))) / 1024 };
    sample();
    return { result, peakMb: sampledKb / 1024 };
  } finally {
    clearInterval(timer);
  }
}
