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
 * The most resident memory process `pid` reaches while `run` goes on, in MB. The kernel's high-water
 * mark is reset first so that it covers this stretch alone, which catches a peak between samples;
 * where the kernel refuses the reset, VmRSS sampled every 100 ms stands in for it.
 */
export async function peakRssDuring<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  const exact = resetPeak(pid);
  let sampledKb = 0;
  const sample = () => {
    try {
      sampledKb = Math.max(sampledKb, statusKb(pid, 'VmRSS'));
    } catch {
      // The process is gone; the phase that needed it reports the failure.
    }
  };
  sample();
  const timer = exact ? undefined : setInterval(sample, 100);
  try {
    const result = await run();
    // Read while the process still runs: its status disappears with it.
    if (exact) return { result, peakMb: statusKb(pid, 'VmHWM') / 1024 };
    sample();
    return { result, peakMb: sampledKb / 1024 };
  } finally {
    clearInterval(timer);
  }
}
