import { errorText, getJson } from './api';
import type { FleetEfficiencyPage, SessionView, VehiclePerformance, VehicleSeries } from './api-types';
import { fact, h, notice, panel, show } from './dom';
import { coverage } from './figures';
import { ago, celsius, count, dateTime, duration, energy, percent, ratio } from './format';
import { meterLink, meterLinks } from './links';
import { liveFleet } from './live-fleet';
import { streamBadge } from './live-table';
import { href, WINDOWS, windowLabel, type WindowKey } from './route';
import { vehicleCharts } from './vehicle-charts';
import { flags, notEnoughData } from './verdict';

const HOUR_MS = 3_600_000;
const SESSIONS_SHOWN = 50;

function liveFacts(vehicleId: string, window: WindowKey): HTMLElement[] {
  const vehicle = liveFleet.vehicles.get(vehicleId);
  if (!vehicle) return [h('p', { class: 'muted' }, 'No reading yet.')];
  const session = vehicle.currentSession;
  return [
    fact('State of charge', percent(vehicle.soc), 'soc'),
    fact('Battery', celsius(vehicle.batteryTemp), 'battery-temp'),
    fact('DC last interval', energy(vehicle.kwhDeliveredDc)),
    fact('Reported', `${ago(vehicle.timestamp)} (${dateTime(vehicle.timestamp)})`),
    fact(
      'Charging',
      session
        ? h('span', {}, 'at ', meterLink(session.meterId, window), ` since ${dateTime(session.startedAt)}`)
        : 'no',
    ),
  ];
}

function summary(performance: VehiclePerformance, minCoverage: number, window: WindowKey): HTMLElement[] {
  return [
    fact('AC drawn', energy(performance.totalKwhConsumedAc)),
    fact('DC delivered', energy(performance.totalKwhDeliveredDc)),
    fact('Efficiency', ratio(performance.efficiencyRatio), 'efficiency'),
    fact('Coverage', coverage(performance, minCoverage), 'coverage'),
    fact('DC outside sessions', energy(performance.kwhDeliveredDcOutsideSessions)),
    fact('Avg battery', celsius(performance.averageBatteryTemp)),
    fact('Readings', count(performance.recordCount)),
    fact(
      'Meters',
      performance.meterIds.length === 0 ? '–' : h('span', {}, ...meterLinks(performance.meterIds, window)),
      'meters',
    ),
    fact('Flags', flags(performance), 'flags'),
  ];
}

/** What each flag of missing readings means for this vehicle, in words. */
function missing(performance: VehiclePerformance, minCoverage: number): string[] {
  const needed = `(${ratio(minCoverage)} needed)`;
  const { dataQuality, coverageAc, coverageDc } = performance;
  return [
    dataQuality.includes('incomplete-ac') &&
      `its chargers' meters sent ${ratio(coverageAc)} of the readings expected over its sessions ${needed}`,
    dataQuality.includes('incomplete-dc') &&
      `the vehicle sent ${ratio(coverageDc)} of the readings expected over its sessions ${needed}`,
    dataQuality.includes('no-session') && 'it took DC without any charging session to set it against',
  ].filter((reason) => reason !== false);
}

/** Said in words, as a ratio from half the readings would otherwise read as a fault. */
const verdictNotice = (performance: VehiclePerformance, minCoverage: number) =>
  notEnoughData(performance) &&
  notice(
    'info',
    `Not enough data to judge this vehicle's efficiency: ${missing(performance, minCoverage).join('; ')}. ` +
      'Missing readings are no fault of the vehicle or its chargers.',
  );

function sessionsTable(sessions: SessionView[], window: WindowKey): HTMLElement {
  if (sessions.length === 0) return h('p', { class: 'muted' }, 'No charging session in this window.');
  const rows = [...sessions]
    .reverse()
    .slice(0, SESSIONS_SHOWN)
    .map((session) =>
      h(
        'tr',
        {},
        h('td', {}, dateTime(session.startedAt)),
        h(
          'td',
          {},
          session.endedAt === null ? h('span', { class: 'flag flag-info' }, 'ongoing') : dateTime(session.endedAt),
        ),
        h('td', {}, meterLink(session.meterId, window)),
        h(
          'td',
          { class: 'num' },
          duration(
            (session.endedAt === null ? Date.now() : Date.parse(session.endedAt)) - Date.parse(session.startedAt),
          ),
        ),
      ),
    );
  const head = h(
    'thead',
    {},
    h('tr', {}, ...['Started', 'Ended', 'Meter', 'Duration'].map((text) => h('th', {}, text))),
  );
  return h('table', { class: 'sessions' }, head, h('tbody', {}, ...rows));
}

/** One vehicle over the window: its live status, figures, charts and sessions. Returns the cleanup. */
export function vehicleView(root: HTMLElement, vehicleId: string, window: WindowKey): () => void {
  const badge = streamBadge();
  const live = h('div', { class: 'facts' }, h('p', { class: 'muted' }, 'Loading…'));
  const figures = h('div', { class: 'facts' }, h('p', { class: 'muted' }, 'Loading…'));
  const chartBoxes = [0, 1, 2].map(() => h('div', { class: 'chart' }));
  const sessions = h('div', { class: 'table-scroll' }, h('p', { class: 'muted' }, 'Loading…'));
  const problem = h('div');
  show(
    root,
    h('div', { class: 'title' }, h('a', { href: href({ window }), class: 'back' }, '← Fleet'), h('h1', {}, vehicleId)),
    problem,
    h(
      'div',
      { class: 'columns' },
      panel('Live status', live, badge.element, { id: 'vehicle-live' }),
      panel(`Over the ${windowLabel(window)}`, figures, undefined, { id: 'vehicle-figures' }),
    ),
    panel('AC vs DC energy per bucket', chartBoxes[0], undefined, { id: 'chart-energy' }),
    h(
      'div',
      { class: 'columns' },
      panel('Efficiency per bucket', chartBoxes[1], undefined, { id: 'chart-efficiency' }),
      panel('State of charge and battery temperature', chartBoxes[2], undefined, { id: 'chart-battery' }),
    ),
    panel('Charging sessions', sessions, undefined, { id: 'sessions' }),
  );

  const unsubscribe = liveFleet.subscribe((change) => {
    if (change.kind === 'state') badge.update();
    else if (change.kind === 'reading' || change.kind === 'snapshot') show(live, ...liveFacts(vehicleId, window));
  });
  let cleanups: Array<() => void> = [unsubscribe];
  let disposed = false;
  const to = new Date();
  const from = new Date(to.getTime() - WINDOWS[window] * HOUR_MS);
  const path = encodeURIComponent(vehicleId);
  const load = async () => {
    const [performance, series, sessionList, fleet] = await Promise.all([
      getJson<VehiclePerformance>(`/v1/analytics/performance/${path}`, {
        from: from.toISOString(),
        to: to.toISOString(),
      }),
      getJson<VehicleSeries>(`/v1/analytics/vehicles/${path}/series`, {
        from: from.toISOString(),
        to: to.toISOString(),
      }),
      getJson<{ sessions: SessionView[] }>('/v1/charging-sessions', { vehicleId, from: from.toISOString() }),
      // Only for the threshold and minimum coverage the figures are judged by: the vehicle's own answer
      // carries neither.
      getJson<FleetEfficiencyPage>('/v1/analytics/fleet/efficiency', { hours: WINDOWS[window], limit: 1 }),
      liveFleet.start().then(() => show(live, ...liveFacts(vehicleId, window))),
    ]);
    show(figures, ...summary(performance, fleet.minCoverage, window));
    show(problem, verdictNotice(performance, fleet.minCoverage));
    show(sessions, sessionsTable(sessionList.sessions, window));
    // The answers may come after the view was left; its charts then go at once.
    if (!disposed) cleanups.push(...vehicleCharts(series, fleet.threshold, chartBoxes));
  };
  load().catch((error: unknown) => show(problem, notice('error', errorText(error))));
  return () => {
    disposed = true;
    cleanups.forEach((cleanup) => cleanup());
    cleanups = [];
  };
}
