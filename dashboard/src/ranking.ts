import { errorText, getJson } from './api';
import type { FleetEfficiencyPage, VehiclePerformance } from './api-types';
import { h, notice, panel, show } from './dom';
import { celsius, count, energy, ratio } from './format';
import { href, WINDOWS, type WindowKey } from './route';

const PAGE = 25;

const FLAG_TEXT: Record<string, string> = { 'dc-exceeds-ac': 'DC exceeds AC' };

export function flags(vehicle: VehiclePerformance): HTMLElement {
  return h(
    'span',
    { class: 'flags' },
    vehicle.lowEfficiency && h('span', { class: 'flag flag-bad', 'data-flag': 'low-efficiency' }, 'Low efficiency'),
    ...vehicle.dataQuality.map((flag) =>
      h(
        'span',
        { class: 'flag flag-warn', 'data-flag': flag, title: 'Readings are missing or wrong' },
        FLAG_TEXT[flag] ?? flag,
      ),
    ),
  );
}

/** A bar under the ratio, full at 100 %, so that the ranking reads at a glance. */
function efficiencyCell(vehicle: VehiclePerformance, threshold: number): HTMLElement {
  const value = vehicle.efficiencyRatio;
  const tone = vehicle.dataQuality.length > 0 ? 'warn' : value !== null && value < threshold ? 'bad' : 'good';
  const fill = h('span', { class: `bar-fill bar-${tone}` });
  // Set through the CSSOM, which no style-src policy blocks, unlike a style attribute.
  fill.style.width = `${value === null ? 0 : Math.min(100, value * 100)}%`;
  return h(
    'td',
    { class: 'num' },
    h('span', { class: `ratio ratio-${tone}` }, ratio(value)),
    h('span', { class: 'bar' }, fill),
  );
}

function row(vehicle: VehiclePerformance, rank: number, threshold: number, window: WindowKey): HTMLElement {
  const flagged = vehicle.lowEfficiency || vehicle.dataQuality.length > 0;
  return h(
    'tr',
    { 'data-vehicle': vehicle.vehicleId, class: flagged ? 'flagged' : '' },
    h('td', { class: 'num muted' }, rank),
    h('td', {}, h('a', { href: href({ vehicleId: vehicle.vehicleId, window }) }, vehicle.vehicleId)),
    efficiencyCell(vehicle, threshold),
    h('td', { class: 'num' }, energy(vehicle.totalKwhConsumedAc)),
    h('td', { class: 'num' }, energy(vehicle.totalKwhDeliveredDc)),
    h('td', { class: 'num' }, celsius(vehicle.averageBatteryTemp)),
    h('td', { class: 'num' }, count(vehicle.recordCount)),
    h('td', {}, flags(vehicle)),
  );
}

const HEAD = ['#', 'Vehicle', 'Efficiency', 'AC', 'DC', 'Battery', 'Readings', 'Flags'];

/** The fleet ranking, lowest efficiency first, a page at a time through the API's cursor. */
export function rankingPanel(window: WindowKey): HTMLElement {
  const body = h('tbody');
  const status = h('div', { class: 'table-foot' });
  const table = h(
    'table',
    { class: 'ranking' },
    h('thead', {}, h('tr', {}, ...HEAD.map((text) => h('th', {}, text)))),
    body,
  );
  let shown = 0;

  const load = async (cursor?: string) => {
    show(status, h('span', { class: 'muted' }, 'Loading…'));
    try {
      const query = cursor === undefined ? { hours: WINDOWS[window], limit: PAGE } : { cursor, limit: PAGE };
      const page = await getJson<FleetEfficiencyPage>('/v1/analytics/fleet/efficiency', query);
      for (const vehicle of page.vehicles) body.append(row(vehicle, ++shown, page.threshold, window));
      const more = page.nextCursor;
      show(
        status,
        h('span', { class: 'muted' }, shown === 0 ? 'No vehicle charged in this window.' : `${count(shown)} vehicles`),
        more !== null && h('button', { type: 'button', class: 'more', onclick: () => void load(more) }, 'Show more'),
      );
    } catch (error) {
      show(status, notice('error', errorText(error)));
    }
  };
  void load();
  return panel(
    'Efficiency ranking',
    h('div', { class: 'table-scroll' }, table, status),
    h('span', { class: 'muted' }, 'lowest first'),
    { id: 'ranking' },
  );
}
