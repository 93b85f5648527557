import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LowEfficiencyAlarm } from './answers';
import { list } from './report';
import { duration, type AlarmWait, type ServiceAlarms } from './report-alarms';
import { chargingSessions, openLowEfficiencyAlarms, vehiclePerformance } from './service-reads';
import type { SimulationResult } from './simulate';
import type { SimulatorClient } from './simulator.client';
import { Slots } from './slots';

// How often the alarms are read while waiting, at most, and how long the wait lasts at most, in
// --alarm-wait periods: an answer still changing by then is judged as it stands, and fails the check.
const POLL_MS = 5_000;
const WAITS_AT_MOST = 3;
// Each session's figures are one request; a few at a time keeps a long run's quick.
const SESSION_REQUESTS = 4;

type Asked<T> = { ok: true; answers: T } | { ok: false; why: string };

/** What could change a judgement: which vehicles are alarmed, and whom each alarm suspects. */
const stateOf = (alarms: LowEfficiencyAlarm[]) =>
  alarms
    .map(({ id, suspect }) => `${id} ${suspect?.kind} ${suspect?.id}`)
    .sort()
    .join('\n');

/**
 * The run's open low-efficiency alarms, once the answer has stayed the same for `settleMs`. The service
 * raises them on timers of its own, in two steps: the rollup seal counts the closed sessions
 * (ROLLUP_SEAL_INTERVAL_MS), then the alarm check judges them (ALARM_CHECK_INTERVAL_MS). Nothing in its
 * answers says both have run since the last session closed, so only an answer unchanged for longer than
 * both intervals can be taken as final.
 */
async function settledAlarms(
  client: SimulatorClient,
  vehicleIds: ReadonlySet<string>,
  settleMs: number,
): Promise<Asked<{ alarms: LowEfficiencyAlarm[]; wait: AlarmWait }>> {
  const started = performance.now();
  let state: string | undefined;
  let since = started;
  for (;;) {
    const open = await openLowEfficiencyAlarms(client);
    if (!open.ok) return { ok: false, why: `the alarms endpoint answered ${open.status}` };
    const alarms = open.body.filter((alarm) => vehicleIds.has(alarm.subject.id));
    const now = performance.now();
    const current = stateOf(alarms);
    if (current !== state) {
      state = current;
      since = now;
    }
    const settled = now - since >= settleMs;
    if (settled || now - started >= WAITS_AT_MOST * settleMs) {
      return { ok: true, answers: { alarms, wait: { settleMs, waitedMs: now - started, settled } } };
    }
    await sleep(Math.min(POLL_MS, settleMs / 4));
  }
}

/** How many of each vehicle's sessions in the run have figures the service trusts: complete, DC within AC. */
async function completeSessions(
  client: SimulatorClient,
  result: Pick<SimulationResult, 'from' | 'to'>,
  vehicleIds: string[],
): Promise<Asked<Map<string, number>>> {
  const counts = new Map<string, number>();
  const refused: string[] = [];
  const slots = new Slots(SESSION_REQUESTS);
  for (const vehicleId of vehicleIds) {
    const sessions = await chargingSessions(client, vehicleId, result.from, result.to);
    if (!sessions.ok) {
      refused.push(`the sessions of ${vehicleId} ${sessions.status}`);
      continue;
    }
    counts.set(vehicleId, 0);
    for (const session of sessions.body) {
      await slots.submit(async () => {
        const ended = new Date(session.endedAt ?? result.to);
        const figures = await vehiclePerformance(client, vehicleId, new Date(session.startedAt), ended);
        if (!figures.ok) refused.push(`the figures of session ${session.id} ${figures.status}`);
        else if (figures.body.efficiencyRatio !== null && figures.body.dataQuality.length === 0) {
          counts.set(vehicleId, counts.get(vehicleId)! + 1);
        }
      });
    }
  }
  await slots.idle();
  if (refused.length > 0) return { ok: false, why: `the service answered ${list(refused)}` };
  return { ok: true, answers: counts };
}

/**
 * Waits for the service's alarm check to settle (`notice` says so first), then reads the run's open
 * low-efficiency alarms and, for each faulty vehicle without one, whether it had the complete sessions
 * an alarm needs.
 */
export async function askAlarms(
  client: SimulatorClient,
  result: Pick<SimulationResult, 'from' | 'to' | 'vehicles'>,
  settleMs: number,
  notice: (line: string) => void,
): Promise<Asked<ServiceAlarms>> {
  if (settleMs > 0) {
    notice(
      `Waiting     for the service's alarm check, until its open alarms stay unchanged for ` +
        `${duration(settleMs)} (${duration(WAITS_AT_MOST * settleMs)} at most)`,
    );
  }
  const vehicleIds = new Set(result.vehicles.map((vehicle) => vehicle.vehicleId));
  const settled = await settledAlarms(client, vehicleIds, settleMs);
  if (!settled.ok) return settled;
  const alarmed = new Set(settled.answers.alarms.map((alarm) => alarm.subject.id));
  const unalarmed = result.vehicles.filter((v) => v.faulty && !alarmed.has(v.vehicleId)).map((v) => v.vehicleId);
  const counted = await completeSessions(client, result, unalarmed);
  if (!counted.ok) return counted;
  return { ok: true, answers: { ...settled.answers, completeSessions: counted.answers } };
}
