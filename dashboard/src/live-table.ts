import type { MeterStatus, StreamReading, VehicleListEntry } from './api-types';
import { h, panel, show } from './dom';
import { ago, celsius, dateTime, energy, percent, volts } from './format';
import { meterLink, vehicleLink } from './links';
import { liveFleet } from './live-fleet';
import type { WindowKey } from './route';
import type { StreamState } from './sse';

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  retrying: 'reconnecting…',
  off: 'live updates are off on this service',
};

export function streamBadge(): { element: HTMLElement; update(): void } {
  const element = h('span', { class: 'stream' });
  const update = () => {
    element.className = `stream stream-${liveFleet.state}`;
    element.title = liveFleet.stateDetail ?? '';
    show(element, h('span', { class: 'dot' }), STATE_TEXT[liveFleet.state]);
  };
  update();
  return { element, update };
}

const lastSeen = (timestamp: string) =>
  h('td', { class: 'num age', 'data-ts': timestamp, title: dateTime(timestamp) }, ago(timestamp));

function vehicleRow(vehicle: VehicleListEntry, window: WindowKey): HTMLElement {
  const session = vehicle.currentSession;
  return h(
    'tr',
    { 'data-device': `vehicle:${vehicle.vehicleId}` },
    h('td', {}, vehicleLink(vehicle.vehicleId, window)),
    h(
      'td',
      { class: 'reading' },
      `SoC ${percent(vehicle.soc)} · ${celsius(vehicle.batteryTemp)} · DC ${energy(vehicle.kwhDeliveredDc)}`,
    ),
    h(
      'td',
      {},
      session &&
        h(
          'span',
          { class: 'flag flag-info', title: `at ${session.meterId} since ${dateTime(session.startedAt)}` },
          'charging · ',
          meterLink(session.meterId, window),
        ),
    ),
    lastSeen(vehicle.timestamp),
  );
}

function meterRow(meter: MeterStatus, window: WindowKey): HTMLElement {
  return h(
    'tr',
    { 'data-device': `meter:${meter.meterId}` },
    h('td', {}, meterLink(meter.meterId, window)),
    h('td', { class: 'reading' }, `AC ${energy(meter.kwhConsumedAc)} · ${volts(meter.voltage)}`),
    h('td'),
    lastSeen(meter.timestamp),
  );
}

const byId = <T>(map: Map<string, T>) =>
  [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, value]) => value);

/** Every device's newest reading, updated as readings are committed; returns the panel and its cleanup. */
export function liveTable(window: WindowKey): { element: HTMLElement; dispose(): void } {
  const body = h('tbody');
  const badge = streamBadge();
  const renderAll = () => {
    show(
      body,
      ...byId(liveFleet.vehicles).map((vehicle) => vehicleRow(vehicle, window)),
      ...byId(liveFleet.meters).map((meter) => meterRow(meter, window)),
    );
    if (body.childElementCount === 0)
      show(body, h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No device has reported yet.')));
  };
  const replace = (reading: StreamReading) => {
    const meter = reading.type === 'meter' ? liveFleet.meters.get(reading.meterId) : undefined;
    const vehicle = reading.type === 'vehicle' ? liveFleet.vehicles.get(reading.vehicleId) : undefined;
    const row = meter ? meterRow(meter, window) : vehicle ? vehicleRow(vehicle, window) : undefined;
    const old = row && body.querySelector(`tr[data-device="${row.dataset.device}"]`);
    if (!row || !old) return renderAll();
    old.replaceWith(row);
    row.classList.add('flash');
  };
  const unsubscribe = liveFleet.subscribe((change) => {
    if (change.kind === 'snapshot') renderAll();
    else if (change.kind === 'reading') replace(change.reading);
    else if (change.kind === 'state') badge.update();
  });
  // "12 s ago" has to keep counting between readings.
  const ticker = setInterval(() => {
    for (const cell of body.querySelectorAll<HTMLElement>('td[data-ts]')) cell.textContent = ago(cell.dataset.ts ?? '');
  }, 5_000);
  renderAll();
  const table = h(
    'table',
    { class: 'live' },
    h(
      'thead',
      {},
      h('tr', {}, ...['Device', 'Newest reading', 'Session', 'Reported'].map((text) => h('th', {}, text))),
    ),
    body,
  );
  const element = panel('Live status', h('div', { class: 'table-scroll tall' }, table), badge.element, {
    id: 'live',
  });
  return {
    element,
    dispose() {
      unsubscribe();
      clearInterval(ticker);
    },
  };
}
