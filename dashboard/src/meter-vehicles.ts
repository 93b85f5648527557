import type { MeterEfficiency, MeterVehicle } from './api-types';
import { h } from './dom';
import { coverage, energies, ratioCell } from './figures';
import { count } from './format';
import { meterLinks, vehicleLink, type Named } from './links';
import type { WindowKey } from './route';
import { flags, notEnoughData, suspectReason, tone } from './verdict';

const HEAD = [
  'Vehicle',
  'Sessions',
  'Energy here',
  'Ratio here',
  'Coverage',
  'Ratio elsewhere',
  'Elsewhere at',
  'Flags',
];

/**
 * One vehicle the meter fed, its ratio on this meter beside its ratio on the others: low on both points
 * at the vehicle, low only here at the charger.
 */
function row(vehicle: MeterVehicle, meter: MeterEfficiency, named: Named, window: WindowKey): HTMLElement {
  const { elsewhere } = vehicle;
  const elsewhereTone = elsewhere.efficiencyRatio === null ? 'muted' : elsewhere.lowEfficiency ? 'bad' : 'good';
  return h(
    'tr',
    {
      'data-vehicle': vehicle.vehicleId,
      'data-verdict': notEnoughData(vehicle) ? 'not-enough-data' : 'judged',
    },
    h('td', {}, vehicleLink(vehicle.vehicleId, window)),
    h('td', { class: 'num' }, count(vehicle.sessions)),
    h('td', { class: 'num' }, energies(vehicle)),
    ratioCell(vehicle.efficiencyRatio, tone(vehicle)),
    h('td', {}, coverage(vehicle, meter.minCoverage)),
    ratioCell(elsewhere.efficiencyRatio, elsewhereTone),
    h('td', {}, ...(elsewhere.meterIds.length === 0 ? ['–'] : meterLinks(elsewhere.meterIds, window))),
    h(
      'td',
      {},
      flags(vehicle),
      // The charger's own reason is shown once above the table, not again on each of its vehicles.
      vehicle.suspectReason !== meter.suspectReason && suspectReason(vehicle.suspectReason, named, window),
    ),
  );
}

/** The vehicles the meter fed in the window, lowest ratio here first, as the API orders them. */
export function meterVehiclesTable(meter: MeterEfficiency, named: Named, window: WindowKey): HTMLElement {
  const { vehicles } = meter;
  if (vehicles.length === 0) return h('p', { class: 'muted' }, 'This meter fed no vehicle in this window.');
  return h(
    'table',
    { class: 'meter-vehicles' },
    h('thead', {}, h('tr', {}, ...HEAD.map((text) => h('th', {}, text)))),
    h('tbody', {}, ...vehicles.map((vehicle) => row(vehicle, meter, named, window))),
  );
}
