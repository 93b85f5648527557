import type { FleetVehicle, MeterEfficiency } from './answers';
import type { CounterFate, RegisterSummary } from './registers';
import { fleetEfficiency, meterEfficiency } from './service-reads';
import type { SimulationResult } from './simulate';
import type { SimulatorClient } from './simulator.client';
import { Slots } from './slots';

/** What the fleet efficiency endpoint flagged, against the vehicles the run made faulty. */
export interface EfficiencyCheck {
  threshold: number;
  flagged: FleetVehicle[];
  /** Faulty vehicles that charged and whose figures the service trusts: exactly these should be flagged. */
  expected: string[];
  missed: string[];
  /** Flagged though healthy and never fed by a faulty charger, which alone could have pulled its ratio down. */
  unexpected: string[];
  /** Faulty vehicles with no ratio to judge them by: never plugged in, or figures the service does not trust. */
  unjudged: string[];
  /** Vehicles whose figures miss readings (`incomplete-ac`, `incomplete-dc`), so no flag is expected of them. */
  incomplete: string[];
  /** Readings lost on the way: without any, no vehicle's figures should be incomplete. */
  dropped: number;
  /**
   * Whether the devices sent registers: a lost reading's energy is then carried by the next one, and the
   * service counts the readings it bridges, so no vehicle's figures should be incomplete however many
   * were dropped; the flags are expected on the true energy.
   */
  registers: boolean;
  matches: boolean;
}

/** What the report asks the service over the simulated period. */
export interface ServiceAnswers {
  fleet: FleetVehicle[];
  /** The run's chargers that ever reported, each with the vehicles it fed. */
  meters: MeterEfficiency[];
}

const INCOMPLETE = ['incomplete-ac', 'incomplete-dc'];
// A depot's chargers are asked one request each; a few at a time keeps a thousand of them quick.
const METER_REQUESTS = 4;

const count = (value: number) => value.toLocaleString('en-US');
// A thousand-vehicle fleet has fifty faulty vehicles; the summary should still fit on a screen.
const LISTED = 20;
export function list(items: string[], separator = ', '): string {
  if (items.length === 0) return 'none';
  const more = items.length > LISTED ? `${separator}… ${items.length - LISTED} more` : '';
  return items.slice(0, LISTED).join(separator) + more;
}

/**
 * The fleet list and every charger's view over the simulated period; devices of other runs sharing the
 * database are left out, and so are meters whose every reading was lost: they never reported (404).
 */
export async function askService(
  client: SimulatorClient,
  result: SimulationResult,
  threshold: number,
): Promise<{ ok: true; answers: ServiceAnswers } | { ok: false; why: string }> {
  const fleet = await fleetEfficiency(client, result.from, result.to, threshold);
  if (!fleet.ok) return { ok: false, why: `the fleet efficiency endpoint answered ${fleet.status}` };
  const ours = new Set(result.vehicles.map((vehicle) => vehicle.vehicleId));
  const meters: MeterEfficiency[] = [];
  const refused: string[] = [];
  const slots = new Slots(METER_REQUESTS);
  for (const { meterId } of result.chargers.filter((charger) => result.reported.has(charger.meterId))) {
    await slots.submit(async () => {
      const view = await meterEfficiency(client, meterId, result.from, result.to, threshold);
      if (view.ok) meters.push(view.body);
      else refused.push(`${meterId} ${view.status}`);
    });
  }
  await slots.idle();
  // In the depot's order, whichever answered first, so that a replay prints the same report.
  meters.sort((a, b) => a.meterId.localeCompare(b.meterId));
  if (refused.length > 0) return { ok: false, why: `the meter efficiency endpoint answered ${list(refused)}` };
  return { ok: true, answers: { fleet: fleet.body.filter((vehicle) => ours.has(vehicle.vehicleId)), meters } };
}

/** Judges the fleet list's lowEfficiency flags against the vehicles and chargers the run made faulty. */
export function checkEfficiency(
  result: Pick<SimulationResult, 'vehicles' | 'chargers' | 'chargedAt' | 'registers'> & {
    readings: Pick<SimulationResult['readings'], 'dropped'>;
  },
  fleet: FleetVehicle[],
  threshold: number,
): EfficiencyCheck {
  // A vehicle the list leaves out is judged all the same: it cannot have been flagged.
  const distrusted = new Set(fleet.filter((vehicle) => vehicle.dataQuality.length > 0).map((v) => v.vehicleId));
  const faultyChargers = new Set(result.chargers.filter((charger) => charger.faulty).map((charger) => charger.meterId));
  const fedByFaultyCharger = (vehicleId: string) =>
    [...(result.chargedAt.get(vehicleId) ?? [])].some((meterId) => faultyChargers.has(meterId));
  const faulty = new Set(result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId));
  const expected = [...faulty].filter((id) => result.chargedAt.has(id) && !distrusted.has(id));
  const flagged = fleet.filter((vehicle) => vehicle.lowEfficiency);
  const flaggedIds = new Set(flagged.map((vehicle) => vehicle.vehicleId));
  const missed = expected.filter((id) => !flaggedIds.has(id));
  const unexpected = [...flaggedIds].filter((id) => !faulty.has(id) && !fedByFaultyCharger(id));
  const incomplete = fleet
    .filter((vehicle) => vehicle.dataQuality.some((flag) => INCOMPLETE.includes(flag)))
    .map((vehicle) => vehicle.vehicleId);
  const dropped = result.readings.dropped;
  const registers = result.registers !== undefined;
  const energyLost = dropped > 0 && !registers;
  return {
    threshold,
    flagged,
    expected,
    missed,
    unexpected,
    unjudged: [...faulty].filter((id) => !expected.includes(id)),
    incomplete,
    dropped,
    registers,
    matches: missed.length === 0 && unexpected.length === 0 && (energyLost || incomplete.length === 0),
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
  const faultyChargers = result.chargers.filter((charger) => charger.faulty);
  const queued = readings.queued > 0 ? ` (${count(readings.queued)} more lost, but queued and sent again)` : '';
  return [
    `Simulated   ${result.from.toISOString()} → ${result.to.toISOString()}`,
    `Readings    generated ${count(readings.generated)} · dropped ${count(readings.dropped)}${queued} · ` +
      `sent ${count(readings.sent)} (${count(readings.retries)} retries, ${count(readings.late)} late) · ` +
      `stored ${count(readings.stored)} · duplicates ${count(readings.duplicates)} · ` +
      `rejected ${count(readings.rejected)} · failed ${count(readings.failed)}`,
    `Sessions    opened ${count(sessions.opened)} · closed ${count(sessions.closed)} · failed ${count(sessions.failed)}`,
    `Requests    ${count(result.requests)} (${count(result.transientRetries)} retried after 429/5xx/network)`,
    `Errors      ${list(failures, '; ')}`,
    `Throughput  ${throughput} readings/s over ${seconds.toFixed(1)} s`,
    `Faulty      ${list(faulty)}`,
    ...(faultyChargers.length > 0
      ? [
          `            chargers ${list(faultyChargers.map((charger) => charger.meterId))} ` +
            `(passing on ${faultyChargers[0].efficiency} of the energy)`,
        ]
      : []),
    ...(result.registers ? [registersLine(result.registers)] : []),
    ...(result.stoppedEarly ? [`Stopped     early: ${result.stoppedEarly}`] : []),
    ...(result.failures.has('409')
      ? ['Hint        409: a run with this --prefix already covered this period; pass another --prefix']
      : []),
  ];
}

function registersLine({ spec, fates, events }: RegisterSummary): string {
  const width = spec.widthKwh === undefined ? 'no wrap' : `wrapping at ${count(spec.widthKwh)} kWh`;
  const fated = (fate: CounterFate) => [...fates.values()].filter((f) => f === fate).length;
  const happened = (fate: CounterFate) => events.filter((event) => event.fate === fate).length;
  return (
    `Registers   sent instead of interval energy, ${width}; ` +
    `resets ${happened('reset')} of ${fated('reset')} · replacements ${happened('replaced')} of ${fated('replaced')} · ` +
    `rollovers ${happened('rollover')} (${fated('rollover')} counters started near the width)`
  );
}

export function formatCheck(check: EfficiencyCheck): string[] {
  const flagged = check.flagged.map((vehicle) => `${vehicle.vehicleId} ${vehicle.efficiencyRatio}`);
  const lines = [`Flagged     lowEfficiency below ${check.threshold}: ${list(flagged)}`];
  if (check.missed.length === 0 && check.unexpected.length === 0) {
    lines.push(`            matches the faulty vehicles that charged (${list(check.expected)})`);
  } else {
    lines.push(
      `            MISMATCH: faulty but not flagged: ${list(check.missed)}; ` +
        `flagged but not faulty: ${list(check.unexpected)}`,
    );
  }
  if (check.unjudged.length > 0) {
    lines.push(`            faulty but without a ratio to trust, so not judged: ${list(check.unjudged)}`);
  }
  const carried = check.registers && check.dropped > 0 ? ', their energy carried by the registers' : '';
  lines.push(
    `Incomplete  ${count(check.incomplete.length)} vehicles miss readings (${count(check.dropped)} dropped${carried}): ` +
      list(check.incomplete),
  );
  if (check.incomplete.length > 0 && (check.dropped === 0 || check.registers)) {
    lines.push(
      check.dropped === 0
        ? '            MISMATCH: no reading was dropped, so none should be incomplete'
        : '            MISMATCH: the registers carried every dropped reading’s energy, so none should be incomplete',
    );
  }
  return lines;
}
