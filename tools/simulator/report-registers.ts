import { parse } from 'csv-parse/sync';
import type { DeviceKind, FleetDevice } from './fleet-model';
import { INTERVAL_MS } from './fleet-model';
import type { CounterFate, RegisterEvent } from './registers';
import { list } from './report';
import { readingsCsv } from './service-reads';
import type { SimulationResult } from './simulate';
import type { SimulatorClient } from './simulator.client';
import { Slots } from './slots';

/** The columns of a device's CSV export the register check reads, by kind (docs/api.md, Reading export). */
export const EXPORT_COLUMNS: Record<DeviceKind, { energy: string; register: string; event: string }> = {
  meter: { energy: 'kwhConsumedAc', register: 'kwhRegisterAc', event: 'registerEvent' },
  vehicle: { energy: 'kwhDeliveredDc', register: 'kwhRegisterDc', event: 'registerEvent' },
};

/** One device's CSV export: its header and rows, oldest first, as the service wrote them. */
export interface DeviceExport {
  device: FleetDevice;
  columns: string[];
  rows: Array<Record<string, string>>;
}

/** A stored reading whose derived energy cannot be. */
export interface IntervalProblem {
  deviceId: string;
  timestamp: string;
  kwh: number;
  /** The most its interval could hold: the service's MAX_POWER_KW for as long as it lasted; 0 for a first reading. */
  limitKwh: number;
}

/** A device whose derived energy over the run is not what it counted. */
export interface EnergyMismatch {
  deviceId: string;
  countedKwh: number;
  derivedKwh: number;
  /** What its resets and replacements could cost it (idle energy). */
  mayLoseKwh: number;
}

/** What the service derived from the registers, read back through the CSV export, against the run. */
export interface RegisterCheck {
  maxPowerKw: number;
  devices: number;
  readings: number;
  /** Columns the export lacks, of those the register contract adds. */
  missingColumns: string[];
  /** Derived interval energy below zero. */
  negative: IntervalProblem[];
  /** Derived interval energy beyond MAX_POWER_KW × the interval (or any for a device's first reading). */
  beyond: IntervalProblem[];
  /** Devices whose derived energy over the run differs from what they counted, beyond what resets may cost. */
  energy: EnergyMismatch[];
  /** Energy the resets and replacements cost, over every device: counted less derived. */
  lostAtResetsKwh: number;
  /** Energy counted after the devices' latest readings sent (lost at the end of the run): never derived. */
  unsentKwh: number;
  /** The events the service stored, by its name for them. */
  stored: Record<string, number>;
  /** The events the run caused, by fate. */
  caused: Record<string, number>;
  /** Counter events the run caused that the service shows on no reading, or under another name. */
  missedEvents: string[];
  /** Events the service stored where the run caused none: readings it misjudged. */
  unexpectedEvents: string[];
  matches: boolean;
}

// Each CSV export holds a connection while it streams; the service allows two per key by default.
const EXPORT_REQUESTS = 2;
// Derived energy is a difference of doubles: far below the 0.1 Wh devices count in, even summed over a day.
const TOLERANCE_KWH = 0.0001;
// The names the service stores a counter event under, for each fate the run gave a counter: a new
// counter reads as replaced when it starts lower, and as an impossible jump (quarantined) when higher.
const SERVICE_EVENTS: Record<CounterFate, string[]> = {
  reset: ['reset'],
  replaced: ['replaced', 'quarantined'],
  rollover: ['rollover'],
};

export const fleetOf = (result: Pick<SimulationResult, 'chargers' | 'vehicles'>): FleetDevice[] => [
  ...result.chargers.map(({ meterId }) => ({ id: meterId, kind: 'meter' as const })),
  ...result.vehicles.map(({ vehicleId }) => ({ id: vehicleId, kind: 'vehicle' as const })),
];

/**
 * Every reporting device's stored readings over the run, through the CSV export: from a minute before
 * the start, so that the registers' baseline, sent at the start, is among them.
 */
export async function askExports(
  client: SimulatorClient,
  result: SimulationResult,
): Promise<{ ok: true; exports: DeviceExport[] } | { ok: false; why: string }> {
  const from = new Date(result.from.getTime() - INTERVAL_MS);
  const exports: DeviceExport[] = [];
  const refused: string[] = [];
  const slots = new Slots(EXPORT_REQUESTS);
  for (const device of fleetOf(result).filter(({ id }) => result.reported.has(id))) {
    await slots.submit(async () => {
      const answer = await readingsCsv(client, device, from, result.to);
      if (!answer.ok) {
        refused.push(`${device.id} ${answer.status}`);
        return;
      }
      // The header as it came, for the columns the export lacks, even with no row under it.
      let columns: string[] = [];
      const rows = parse<Record<string, string>>(answer.body, { columns: (header: string[]) => (columns = header) });
      exports.push({ device, columns, rows });
    });
  }
  await slots.idle();
  if (refused.length > 0) return { ok: false, why: `the CSV export answered ${list(refused)}` };
  exports.sort((a, b) => a.device.id.localeCompare(b.device.id));
  return { ok: true, exports };
}

const count = (items: string[]) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
};

/**
 * Judges the interval energy the service derived from the registers. Every reading's lies between 0
 * and what MAX_POWER_KW could have delivered since the device's previous reading (a device's first,
 * with nothing to count from, has none); each device's adds up to what it counted up to its latest
 * reading sent (what it counted after, its readings lost at the end of the run, reached nobody), less
 * at most the idle energy its resets and replacements cost; and each counter event the run caused is
 * stored on the first reading that shows it, under the name the service gives such an event, and none
 * where the run caused none.
 */
export function checkRegisters(
  result: Pick<SimulationResult, 'from' | 'registers'>,
  exports: DeviceExport[],
  maxPowerKw: number,
): RegisterCheck {
  const summary = result.registers;
  if (!summary) throw new Error('the run sent no registers');
  const start = result.from.getTime();
  const missing = new Set<string>();
  const negative: IntervalProblem[] = [];
  const beyond: IntervalProblem[] = [];
  const energy: EnergyMismatch[] = [];
  const storedEvents: string[] = [];
  const missedEvents: string[] = [];
  const unexpectedEvents: string[] = [];
  const eventsOf = new Map<string, RegisterEvent[]>();
  for (const event of summary.events) eventsOf.set(event.deviceId, [...(eventsOf.get(event.deviceId) ?? []), event]);
  let lostAtResetsKwh = 0;
  let readings = 0;

  for (const { device, columns, rows } of exports) {
    const names = EXPORT_COLUMNS[device.kind];
    for (const column of Object.values(names)) if (!columns.includes(column)) missing.add(column);
    const times = rows.map((row) => Date.parse(row.timestamp));
    const kwh = rows.map((row) => Number(row[names.energy] || 0));
    readings += rows.length;
    let derived = 0;
    rows.forEach((row, i) => {
      const limitKwh = i === 0 ? 0 : (maxPowerKw * (times[i] - times[i - 1])) / 3_600_000;
      const problem = { deviceId: device.id, timestamp: row.timestamp, kwh: kwh[i], limitKwh };
      if (kwh[i] < 0) negative.push(problem);
      else if (kwh[i] > limitKwh + TOLERANCE_KWH) beyond.push(problem);
      if (times[i] > start) derived += kwh[i];
    });

    const counted = summary.countedKwh.get(device.id) ?? 0;
    const mayLose = summary.idleAtResetsKwh.get(device.id) ?? 0;
    if (derived > counted + TOLERANCE_KWH || derived < counted - mayLose - TOLERANCE_KWH) {
      energy.push({ deviceId: device.id, countedKwh: counted, derivedKwh: round(derived), mayLoseKwh: mayLose });
    }
    if (mayLose > 0) lostAtResetsKwh += Math.max(0, counted - derived);

    if (!columns.includes(names.event)) continue;
    // Each event the run caused shows on the first stored reading at or after the one that first carried
    // it: a lost reading's successor carries what it would have.
    const expected = new Map<number, RegisterEvent>();
    for (const event of eventsOf.get(device.id) ?? []) {
      const at = times.findIndex((time) => time >= Date.parse(event.timestamp));
      if (at === -1) missedEvents.push(`${device.id} ${event.fate} at ${event.timestamp} (no reading after it)`);
      else expected.set(at, event);
    }
    rows.forEach((row, i) => {
      const stored = row[names.event] ?? '';
      if (stored !== '') storedEvents.push(stored);
      const event = expected.get(i);
      if (event && !SERVICE_EVENTS[event.fate].includes(stored)) {
        missedEvents.push(`${device.id} ${event.fate} at ${row.timestamp} (stored ${stored || 'none'})`);
      } else if (!event && stored !== '') {
        unexpectedEvents.push(`${device.id} ${stored} at ${row.timestamp}`);
      }
    });
  }

  const missingColumns = [...missing];
  return {
    maxPowerKw,
    devices: exports.length,
    readings,
    missingColumns,
    negative,
    beyond,
    energy,
    lostAtResetsKwh: round(lostAtResetsKwh),
    unsentKwh: round([...summary.unsentKwh.values()].reduce((total, kwh) => total + kwh, 0)),
    stored: count(storedEvents),
    caused: count(summary.events.map((event) => event.fate)),
    missedEvents,
    unexpectedEvents,
    matches:
      missingColumns.length === 0 &&
      negative.length === 0 &&
      beyond.length === 0 &&
      energy.length === 0 &&
      missedEvents.length === 0 &&
      unexpectedEvents.length === 0,
  };
}

const round = (kwh: number) => Number(kwh.toFixed(6));
const counts = (byName: Record<string, number>) =>
  Object.keys(byName).length === 0
    ? 'none'
    : Object.entries(byName)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');

export function formatRegisters(check: RegisterCheck): string[] {
  const problem = (p: IntervalProblem) => `${p.deviceId} ${p.timestamp} ${p.kwh} kWh (at most ${round(p.limitKwh)})`;
  const lines = [
    `Registers   derived energy of ${check.readings.toLocaleString('en-US')} readings of ${check.devices} devices ` +
      `(CSV export): negative ${check.negative.length} · beyond ${check.maxPowerKw} kW ${check.beyond.length} · ` +
      `devices off their counted energy ${check.energy.length}`,
    `            counter events caused: ${counts(check.caused)}; stored: ${counts(check.stored)}` +
      (check.lostAtResetsKwh > 0 ? `; idle energy lost at resets ${check.lostAtResetsKwh} kWh` : '') +
      (check.unsentKwh > 0 ? `; ${check.unsentKwh} kWh counted after the last readings sent` : ''),
  ];
  if (check.missingColumns.length > 0) {
    lines.push(`            MISMATCH: the export lacks the columns ${check.missingColumns.join(', ')}`);
  }
  if (check.negative.length > 0) lines.push(`            MISMATCH: negative: ${list(check.negative.map(problem))}`);
  if (check.beyond.length > 0) lines.push(`            MISMATCH: beyond physical: ${list(check.beyond.map(problem))}`);
  if (check.energy.length > 0) {
    const off = check.energy.map(
      (e) => `${e.deviceId} ${e.derivedKwh} kWh derived, ${e.countedKwh} counted (${e.mayLoseKwh} may be lost)`,
    );
    lines.push(`            MISMATCH: energy off: ${list(off)}`);
  }
  if (check.missedEvents.length > 0) lines.push(`            MISMATCH: events missed: ${list(check.missedEvents)}`);
  if (check.unexpectedEvents.length > 0) {
    lines.push(`            MISMATCH: events where the run caused none: ${list(check.unexpectedEvents)}`);
  }
  if (check.matches) lines.push('            every interval possible, every device at its counted energy');
  return lines;
}
