import { errorText, getJson } from './api';
import type { FleetEfficiencyPage, SessionView, VehiclePerformance, VehicleSeries } from './api-types';
import { chart } from './charts';
import { h, notice, panel, show } from './dom';
import { ago, celsius, count, dateTime, duration, energy, percent, ratio } from './format';
import { liveFleet } from './live-fleet';
import { streamBadge } from './live-table';
import { flags } from './ranking';
import { href, WINDOWS, windowLabel, type WindowKey } from './route';

const HOUR_MS = 3_600_000;
const SESSIONS_SHOWN = 50;

const fact = (label: string, value: string, name?: string) =>
  h('div', { class: 'fact', 'data-fact': name }, h('span', { class: 'fact-label' }, label), h('strong', {}, value));

function liveFacts(vehicleId: string): HTMLElement[] {
  const vehicle = liveFleet.vehicles.get(vehicleId);
  if (!vehicle) return [h('p', { class: 'muted' }, 'No reading yet.')];
  const session = vehicle.currentSession;
  return [
    fact('State of charge', percent(vehicle.soc), 'soc'),
    fact('Battery', celsius(vehicle.batteryTemp), 'battery-temp'),
    fact('DC last interval', energy(vehicle.kwhDeliveredDc)),
    fact('Reported', `${ago(vehicle.timestamp)} (${dateTime(vehicle.timestamp)})`),
    fact('Charging', session ? `at ${session.meterId} since ${dateTime(session.startedAt)}` : 'no'),
  ];
}

function summary(performance: VehiclePerformance): HTMLElement[] {
  return [
    fact('AC drawn', energy(performance.totalKwhConsumedAc)),
    fact('DC delivered', energy(performance.totalKwhDeliveredDc)),
    fact('Efficiency', ratio(performance.efficiencyRatio), 'efficiency'),
    fact('DC outside sessions', energy(performance.kwhDeliveredDcOutsideSessions)),
    fact('Avg battery', celsius(performance.averageBatteryTemp)),
    fact('Readings', count(performance.recordCount)),
    h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, 'Flags'), flags(performance)),
  ];
}

function sessionsTable(sessions: SessionView[]): HTMLElement {
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
        h('td', {}, session.meterId),
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

/** The charts of the series: energy, efficiency against the threshold, SoC and battery temperature. */
function charts(series: VehicleSeries, threshold: number, targets: HTMLElement[]): Array<() => void> {
  const { points } = series;
  const x = points.map((point) => Date.parse(point.end) / 1_000);
  const [energyChart, efficiencyChart, batteryChart] = targets;
  return [
    chart(energyChart, {
      lines: [
        { label: 'AC drawn', color: '#2563eb', unit: 'kWh', stepped: true, fill: true },
        { label: 'DC delivered', color: '#16a34a', unit: 'kWh', stepped: true, fill: true },
      ],
      data: [x, points.map((point) => point.kwhConsumedAc), points.map((point) => point.kwh)],
    }),
    chart(efficiencyChart, {
      lines: [
        { label: 'Efficiency', color: '#7c3aed', unit: '%' },
        { label: 'Alert threshold', color: '#dc2626', unit: '%', dash: [6, 4] },
      ],
      data: [
        x,
        points.map((point) => (point.efficiencyRatio === null ? null : point.efficiencyRatio * 100)),
        x.map(() => threshold * 100),
      ],
    }),
    chart(batteryChart, {
      lines: [
        { label: 'SoC', color: '#0891b2', unit: '%' },
        { label: 'Battery temperature', color: '#ea580c', unit: '°C', scale: 'right' },
      ],
      data: [x, points.map((point) => point.socAvg), points.map((point) => point.batteryTempAvg)],
    }),
  ];
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
    else if (change.kind !== 'alert') show(live, ...liveFacts(vehicleId));
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
      // Only for the threshold the efficiency chart draws; the vehicle's own answer does not carry it.
      getJson<FleetEfficiencyPage>('/v1/analytics/fleet/efficiency', { hours: WINDOWS[window], limit: 1 }),
      liveFleet.start().then(() => show(live, ...liveFacts(vehicleId))),
    ]);
    show(figures, ...summary(performance));
    show(sessions, sessionsTable(sessionList.sessions));
    // The answers may come after the view was left; its charts then go at once.
    if (!disposed) cleanups.push(...charts(series, fleet.threshold, chartBoxes));
  };
  load().catch((error: unknown) => show(problem, notice('error', errorText(error))));
  return () => {
    disposed = true;
    cleanups.forEach((cleanup) => cleanup());
    cleanups = [];
  };
}
