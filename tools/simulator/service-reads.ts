import type { AlarmPage } from '../../src/alarms/alarms.responses';
import type { FleetEfficiencyPage, VehiclePerformance } from '../../src/analytics/analytics.service';
import type { MeterEfficiency } from '../../src/analytics/meter-efficiency.responses';
import type { ChargingSessionList, SessionView } from '../../src/charging-sessions/charging-sessions.responses';
import type { LowEfficiencyAlarm } from './answers';
import type { FleetDevice } from './fleet-model';
import type { Answer, SimulatorClient } from './simulator.client';

// What --report reads from the service, over the simulator's client.

// The largest page each listing gives.
const FLEET_PAGE = 1_000;
const ALARM_PAGE = 500;

/** The items of every page of a listing, in order; `query` says what to ask with each page's cursor. */
async function allPages<P extends { nextCursor: string | null }, T>(
  client: SimulatorClient,
  path: string,
  query: (cursor: string | null) => Record<string, string>,
  items: (page: P) => T[],
): Promise<Answer<T[]>> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Answer<P> = await client.get(`${path}?${new URLSearchParams(query(cursor)).toString()}`);
    if (!page.ok) return page;
    all.push(...items(page.body));
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return { ok: true, status: 200, body: all };
}

const windowOf = (from: Date, to: Date) => ({ from: from.toISOString(), to: to.toISOString() });

/** Every page of the fleet efficiency ranking for the window (from, to]. */
export function fleetEfficiency(
  client: SimulatorClient,
  from: Date,
  to: Date,
  threshold: number,
): Promise<Answer<FleetEfficiencyPage['vehicles']>> {
  const asked = { threshold: String(threshold), limit: String(FLEET_PAGE) };
  // The cursor carries the window on.
  return allPages(
    client,
    '/v1/analytics/fleet/efficiency',
    (cursor) => (cursor === null ? { ...asked, ...windowOf(from, to) } : { ...asked, cursor }),
    (page: FleetEfficiencyPage) => page.vehicles,
  );
}

/** A charger's sessions in the window (from, to], vehicle by vehicle; 404 when its meter never reported. */
export function meterEfficiency(
  client: SimulatorClient,
  meterId: string,
  from: Date,
  to: Date,
  threshold: number,
): Promise<Answer<MeterEfficiency>> {
  const query = new URLSearchParams({ ...windowOf(from, to), threshold: String(threshold) });
  return client.get(`/v1/analytics/meters/${encodeURIComponent(meterId)}/efficiency?${query.toString()}`);
}

/** Every open low-efficiency alarm, whatever its vehicle. */
export function openLowEfficiencyAlarms(client: SimulatorClient): Promise<Answer<LowEfficiencyAlarm[]>> {
  const asked = { type: 'low-efficiency', state: 'open', limit: String(ALARM_PAGE) };
  // An alarm cursor carries no filters: every page is asked with them.
  return allPages(
    client,
    '/v1/alarms',
    (cursor) => (cursor === null ? asked : { ...asked, cursor }),
    // The details of a low-efficiency alarm hold its streak, which LowEfficiencyAlarm reads.
    (page: Omit<AlarmPage, 'alarms'> & { alarms: LowEfficiencyAlarm[] }) => page.alarms,
  );
}

/** A vehicle's charging sessions overlapping the window. */
export async function chargingSessions(
  client: SimulatorClient,
  vehicleId: string,
  from: Date,
  to: Date,
): Promise<Answer<SessionView[]>> {
  const query = new URLSearchParams({ vehicleId, ...windowOf(from, to) });
  const list: Answer<ChargingSessionList> = await client.get(`/v1/charging-sessions?${query.toString()}`);
  return list.ok ? { ...list, body: list.body.sessions } : list;
}

/** A device's stored readings in the window (from, to], as the CSV export gives them; 404 when it never reported. */
export function readingsCsv(
  client: SimulatorClient,
  device: FleetDevice,
  from: Date,
  to: Date,
): Promise<Answer<string>> {
  const query = new URLSearchParams(windowOf(from, to));
  const path = `/v1/${device.kind}s/${encodeURIComponent(device.id)}/readings?${query.toString()}`;
  return client.getText(path, 'text/csv');
}

/** A vehicle's figures over the window (from, to]: over a session's span, that session's. */
export function vehiclePerformance(
  client: SimulatorClient,
  vehicleId: string,
  from: Date,
  to: Date,
): Promise<Answer<VehiclePerformance>> {
  const query = new URLSearchParams(windowOf(from, to));
  return client.get(`/v1/analytics/performance/${encodeURIComponent(vehicleId)}?${query.toString()}`);
}
