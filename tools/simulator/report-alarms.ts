import type { LowEfficiencyAlarm } from './answers';
import { list } from './report';
import type { SimulationResult } from './simulate';

/** How long the report waited for the service's alarm check, and whether its answer stopped changing. */
export interface AlarmWait {
  /** How long the answer had to stay the same (--alarm-wait). */
  settleMs: number;
  waitedMs: number;
  settled: boolean;
}

/** What the service's alarm check said of the run's vehicles: its open low-efficiency alarms and their evidence. */
export interface ServiceAlarms {
  /** The run's vehicles' open alarms. */
  alarms: LowEfficiencyAlarm[];
  /** Each faulty vehicle without an alarm, with how many of its sessions have figures the service trusts. */
  completeSessions: ReadonlyMap<string, number>;
  wait: AlarmWait;
}

/** The open low-efficiency alarms, against the vehicles and chargers the run made faulty. */
export interface AlarmsCheck {
  /** Complete sessions in a row below the threshold that raise an alarm (the service's ALARM_LOW_EFFICIENCY_SESSIONS). */
  sessions: number;
  faulty: string[];
  /** Faulty vehicles with an open alarm. */
  alarmed: string[];
  /** Faulty vehicles with at least `sessions` complete sessions, yet no alarm. */
  missed: string[];
  /** Faulty vehicles with fewer complete sessions and no alarm: never judged, as alarms wait for complete data. */
  unjudged: string[];
  /** Healthy vehicles alarmed on sessions charged on faulty chargers alone: expected, with the charger as suspect. */
  onFaultyChargers: string[];
  /** Of those, the ones whose alarm does not suspect a faulty charger, with the suspect it names. */
  chargerNotSuspected: string[];
  /** Healthy vehicles alarmed though a session of the streak was on a healthy charger. */
  wronglyAlarmed: string[];
  completeSessions: ReadonlyMap<string, number>;
  wait: AlarmWait;
  matches: boolean;
}

/**
 * Judges the run's open low-efficiency alarms. Every faulty vehicle with enough complete sessions must be
 * alarmed (with fewer it is unjudged); a healthy vehicle only when the streak it was alarmed on was charged
 * on faulty chargers alone, and then its alarm must suspect the charger, not the vehicle. An answer that
 * never stopped changing within the wait fails the check, as nothing can be said of it.
 */
export function checkAlarms(
  result: Pick<SimulationResult, 'vehicles' | 'chargers'>,
  answers: ServiceAlarms,
  sessions: number,
): AlarmsCheck {
  const faultyChargers = new Set(result.chargers.filter((charger) => charger.faulty).map((charger) => charger.meterId));
  const faulty = result.vehicles.filter((vehicle) => vehicle.faulty).map((vehicle) => vehicle.vehicleId);
  const alarmed = new Set(answers.alarms.map((alarm) => alarm.subject.id));
  const notAlarmed = faulty.filter((id) => !alarmed.has(id));
  const enough = (id: string) => (answers.completeSessions.get(id) ?? 0) >= sessions;
  const onFaultyChargersOnly = (alarm: LowEfficiencyAlarm) =>
    alarm.details.sessions.every((session) => faultyChargers.has(session.meterId));
  const healthy = answers.alarms.filter((alarm) => !faulty.includes(alarm.subject.id));
  const excused = healthy.filter(onFaultyChargersOnly);
  const chargerNotSuspected = excused
    .filter(({ suspect }) => suspect?.kind !== 'charger' || (suspect.id !== null && !faultyChargers.has(suspect.id)))
    .map(({ subject, suspect }) => `${subject.id} (suspect ${suspect ? `${suspect.kind} ${suspect.id}` : 'none'})`);
  const wronglyAlarmed = healthy.filter((alarm) => !onFaultyChargersOnly(alarm)).map((alarm) => alarm.subject.id);
  const missed = notAlarmed.filter(enough);
  return {
    sessions,
    faulty,
    alarmed: faulty.filter((id) => alarmed.has(id)),
    missed,
    unjudged: notAlarmed.filter((id) => !enough(id)),
    onFaultyChargers: excused.map((alarm) => alarm.subject.id),
    chargerNotSuspected,
    wronglyAlarmed,
    completeSessions: answers.completeSessions,
    wait: answers.wait,
    matches:
      answers.wait.settled && missed.length === 0 && wronglyAlarmed.length === 0 && chargerNotSuspected.length === 0,
  };
}

/** `7 min`, `15 s`, `2.4 s`. */
export const duration = (ms: number): string =>
  ms >= 60_000 ? `${Number((ms / 60_000).toFixed(1))} min` : `${Number((ms / 1_000).toFixed(1))} s`;

export function formatAlarms(check: AlarmsCheck): string[] {
  const { wait } = check;
  const lines = [
    `Alarms      low-efficiency, open: faulty vehicles ${check.faulty.length} · alarmed ${check.alarmed.length} · ` +
      `missed ${check.missed.length} · unjudged ${check.unjudged.length}`,
    `            healthy vehicles alarmed: wrongly ${check.wronglyAlarmed.length} · after faulty chargers only ` +
      `${check.onFaultyChargers.length}, the charger suspected in ` +
      `${check.onFaultyChargers.length - check.chargerNotSuspected.length}`,
    wait.settled
      ? `            read once unchanged for ${duration(wait.settleMs)}, after ${duration(wait.waitedMs)}`
      : `            MISMATCH: still changing after ${duration(wait.waitedMs)}; judged on the last answer`,
  ];
  const sessions = (ids: string[]) => ids.map((id) => `${id} (${check.completeSessions.get(id) ?? 0})`);
  if (check.missed.length > 0) {
    lines.push(
      `            MISMATCH: faulty, ${check.sessions} complete sessions or more, no alarm: ` +
        list(sessions(check.missed)),
    );
  }
  if (check.wronglyAlarmed.length > 0) {
    lines.push(`            MISMATCH: healthy, alarmed after a healthy charger: ${list(check.wronglyAlarmed)}`);
  }
  if (check.chargerNotSuspected.length > 0) {
    lines.push(
      `            MISMATCH: alarmed after faulty chargers only, the charger not suspected: ` +
        list(check.chargerNotSuspected),
    );
  }
  if (check.unjudged.length > 0) {
    lines.push(
      `            faulty vehicles with fewer than ${check.sessions} complete sessions, so not judged: ` +
        list(sessions(check.unjudged)),
    );
  }
  if (check.matches) lines.push('            alarms exactly the vehicles the complete sessions give away');
  return lines;
}
