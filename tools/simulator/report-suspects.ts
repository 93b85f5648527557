import type { FleetVehicle, MeterEfficiency, MeterVehicle } from './answers';
import { list } from './report';
import type { SimulationResult } from './simulate';

/** Whom the service named, against the devices of one kind the run made faulty. */
export interface SuspectJudgement {
  faulty: string[];
  named: string[];
  /** Faulty, with enough evidence to be told apart, yet not named. */
  missed: string[];
  /** Named though the run kept them healthy. */
  wronglyNamed: string[];
  /** Faulty, but without the evidence the service needs to tell them apart: not expected to be named. */
  unjudged: string[];
}

export interface SuspectCheck {
  vehicles: SuspectJudgement;
  chargers: SuspectJudgement;
  matches: boolean;
}

/**
 * Whether the readings of one vehicle's sessions on one charger can be trusted: enough of both sides
 * arrived, and the battery took no more than the charger drew.
 */
function complete(pair: MeterVehicle, minCoverage: number): boolean {
  const { coverageAc, coverageDc } = pair;
  return (
    coverageAc !== null &&
    coverageDc !== null &&
    coverageAc >= minCoverage &&
    coverageDc >= minCoverage &&
    pair.totalKwhDeliveredDc <= pair.totalKwhConsumedAc
  );
}

function judge(faulty: string[], named: string[], evident: (id: string) => boolean): SuspectJudgement {
  const isFaulty = new Set(faulty);
  return {
    faulty,
    named,
    missed: faulty.filter((id) => evident(id) && !named.includes(id)),
    wronglyNamed: named.filter((id) => !isFaulty.has(id)),
    unjudged: faulty.filter((id) => !evident(id) && !named.includes(id)),
  };
}

/**
 * Judges the suspects the service names, from the fleet list and every charger's view, against the run.
 * A charger can only be told apart from the vehicles it feeds when at least two of them charged on it
 * with complete readings and one of those did well on a healthy charger elsewhere; a vehicle, when it
 * charged with complete readings on at least two chargers and another vehicle did well on one of them.
 * Faulty devices without that evidence are unjudged; a healthy device must never be named.
 */
export function checkSuspects(
  result: Pick<SimulationResult, 'vehicles' | 'chargers'>,
  fleet: FleetVehicle[],
  meters: MeterEfficiency[],
): SuspectCheck {
  const faultyVehicles = result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId);
  const faultyChargers = result.chargers.filter((charger) => charger.faulty).map((charger) => charger.meterId);
  const faulty = new Set([...faultyVehicles, ...faultyChargers]);
  const vehiclesOn = new Map<string, string[]>();
  const chargersOf = new Map<string, string[]>();
  for (const view of meters) {
    const fed = view.vehicles.filter((pair) => complete(pair, view.minCoverage)).map((pair) => pair.vehicleId);
    vehiclesOn.set(view.meterId, fed);
    for (const vehicleId of fed) chargersOf.set(vehicleId, [...(chargersOf.get(vehicleId) ?? []), view.meterId]);
  }
  // The run knows which sessions lose energy: those of a faulty vehicle or on a faulty charger.
  const fine = (vehicleId: string, meterId: string) => !faulty.has(vehicleId) && !faulty.has(meterId);
  const chargerEvident = (meterId: string) => {
    const fed = vehiclesOn.get(meterId) ?? [];
    return fed.length >= 2 && fed.some((v) => (chargersOf.get(v) ?? []).some((m) => m !== meterId && fine(v, m)));
  };
  const vehicleEvident = (vehicleId: string) => {
    const chargers = chargersOf.get(vehicleId) ?? [];
    return (
      chargers.length >= 2 && chargers.some((m) => (vehiclesOn.get(m) ?? []).some((v) => v !== vehicleId && fine(v, m)))
    );
  };
  const vehicles = judge(
    faultyVehicles,
    fleet.filter((vehicle) => vehicle.suspect === 'vehicle').map((vehicle) => vehicle.vehicleId),
    vehicleEvident,
  );
  const chargers = judge(
    faultyChargers,
    meters.filter((view) => view.suspect === 'charger').map((view) => view.meterId),
    chargerEvident,
  );
  const wrong = [vehicles, chargers].flatMap((judged) => [...judged.missed, ...judged.wronglyNamed]);
  return { vehicles, chargers, matches: wrong.length === 0 };
}

export function formatSuspects(check: SuspectCheck): string[] {
  const counts = (kind: string, judged: SuspectJudgement) =>
    `${kind}: faulty ${judged.faulty.length} · named ${judged.named.length} · missed ${judged.missed.length} · ` +
    `wrongly named ${judged.wronglyNamed.length} · unjudged ${judged.unjudged.length}`;
  const lines = [
    `Suspects    ${counts('vehicles', check.vehicles)}`,
    `            ${counts('chargers', check.chargers)}`,
  ];
  for (const [kind, judged] of [
    ['vehicles', check.vehicles],
    ['chargers', check.chargers],
  ] as const) {
    if (judged.missed.length > 0) lines.push(`            MISMATCH: faulty ${kind} not named: ${list(judged.missed)}`);
    if (judged.wronglyNamed.length > 0) {
      lines.push(`            MISMATCH: healthy ${kind} named: ${list(judged.wronglyNamed)}`);
    }
    if (judged.unjudged.length > 0) {
      lines.push(`            faulty ${kind} without enough complete sessions to judge: ${list(judged.unjudged)}`);
    }
  }
  if (check.matches) lines.push('            names exactly the faulty devices the readings give away');
  return lines;
}
