import type { VehiclePerformance } from '../../src/analytics/analytics.service';
import type { SimulationResult } from './simulate';
import type { Answer, SimulatorClient } from './simulator.client';

/** What the fleet efficiency endpoint flagged, against the vehicles the run made faulty. */
export interface EfficiencyCheck {
  threshold: number;
  flagged: VehiclePerformance[];
  /** Faulty vehicles that charged during the run: exactly these should be flagged. */
  expected: string[];
  missed: string[];
  unexpected: string[];
  /** Faulty vehicles that never plugged in, so no ratio exists to judge them by. */
  unjudged: string[];
  matches: boolean;
}

const count = (value: number) => value.toLocaleString('en-US');
// A thousand-vehicle fleet has fifty faulty vehicles; the summary should still fit on a screen.
const LISTED = 20;
export function list(items: string[], separator = ', '): string {
  if (items.length === 0) return 'none';
  const more = items.length > LISTED ? `${separator}… ${items.length - LISTED} more` : '';
  return items.slice(0, LISTED).join(separator) + more;
}

/** Asks the service over the simulated period; vehicles of other runs sharing the database are left out. */
export async function checkEfficiency(
  client: SimulatorClient,
  result: SimulationResult,
  threshold: number,
): Promise<Answer<EfficiencyCheck>> {
  const answer = await client.fleetEfficiency(result.from, result.to, threshold);
  if (!answer.ok) return answer;
  const ours = new Set(result.vehicles.map((vehicle) => vehicle.vehicleId));
  const flagged = answer.body.filter((vehicle) => ours.has(vehicle.vehicleId) && vehicle.lowEfficiency);
  const faulty = result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId);
  const expected = faulty.filter((id) => result.charged.has(id));
  const flaggedIds = new Set(flagged.map((vehicle) => vehicle.vehicleId));
  const missed = expected.filter((id) => !flaggedIds.has(id));
  const unexpected = [...flaggedIds].filter((id) => !expected.includes(id));
  return {
    ok: true,
    status: answer.status,
    body: {
      threshold,
      flagged,
      expected,
      missed,
      unexpected,
      unjudged: faulty.filter((id) => !result.charged.has(id)),
      matches: missed.length === 0 && unexpected.length === 0,
    },
  };
}

export function formatSummary(result: SimulationResult): string[] {
  const { readings, sessions } = result;
  const seconds = result.realMs / 1_000;
  const perSecond = readings.sent / Math.max(seconds, 0.001);
  const throughput = perSecond < 100 ? perSecond.toFixed(1) : count(Math.round(perSecond));
  const failures = [...result.failures].map(([status, { count: n, detail }]) => `${status} ×${n} (${detail})`);
  const faulty = result.vehicles
    .filter((vehicle) => vehicle.faulty)
    .map((vehicle) => `${vehicle.vehicleId} (efficiency ${vehicle.efficiency.toFixed(3)})`);
  return [
    `Simulated   ${result.from.toISOString()} → ${result.to.toISOString()}`,
    `Readings    generated ${count(readings.generated)} · sent ${count(readings.sent)} ` +
      `(${count(readings.retries)} retries, ${count(readings.late)} late) · stored ${count(readings.stored)} · ` +
      `duplicates ${count(readings.duplicates)} · rejected ${count(readings.rejected)} · failed ${count(readings.failed)}`,
    `Sessions    opened ${count(sessions.opened)} · closed ${count(sessions.closed)} · failed ${count(sessions.failed)}`,
    `Requests    ${count(result.requests)} (${count(result.transientRetries)} retried after 429/5xx/network)`,
    `Errors      ${list(failures, '; ')}`,
    `Throughput  ${throughput} readings/s over ${seconds.toFixed(1)} s`,
    `Faulty      ${list(faulty)}`,
    ...(result.stoppedEarly ? [`Stopped     early: ${result.stoppedEarly}`] : []),
    ...(result.failures.has('409')
      ? ['Hint        409: a run with this --prefix already covered this period; pass another --prefix']
      : []),
  ];
}

export function formatCheck(check: EfficiencyCheck): string[] {
  const flagged = check.flagged.map((vehicle) => `${vehicle.vehicleId} ${vehicle.efficiencyRatio}`);
  const lines = [`Flagged     lowEfficiency below ${check.threshold}: ${list(flagged)}`];
  if (check.matches) {
    lines.push(`            matches the faulty vehicles that charged (${list(check.expected)})`);
  } else {
    lines.push(
      `            MISMATCH: faulty but not flagged: ${list(check.missed)}; ` +
        `flagged but not faulty: ${list(check.unexpected)}`,
    );
  }
  if (check.unjudged.length > 0) {
    lines.push(`            faulty but never plugged in, so not judged: ${list(check.unjudged)}`);
  }
  return lines;
}
