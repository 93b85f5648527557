import { errorText, getJson } from './api';
import type { MeterEfficiency } from './api-types';
import { fact, h, notice, panel, show } from './dom';
import { share } from './figures';
import { count, energy, ratio } from './format';
import { meterVehiclesTable } from './meter-vehicles';
import { href, WINDOWS, windowLabel, type WindowKey } from './route';
import { pill, suspectReason } from './verdict';

/**
 * Whether the charger behind the meter is to blame. Only the API's suspect rule blames it; a low ratio
 * alone may be the vehicles', and a meter that missed readings cannot be judged at all.
 */
function verdict(meter: MeterEfficiency): HTMLElement {
  if (meter.suspect === 'charger') return pill('suspect-charger', 'bad', 'Charger suspect');
  if (meter.coverage !== null && meter.coverage < meter.minCoverage)
    return pill('not-enough-data', 'muted', 'Not enough data', 'The meter sent too few readings over its sessions');
  return pill('not-suspect', 'info', 'Not suspected');
}

function figures(meter: MeterEfficiency): HTMLElement[] {
  return [
    fact('AC drawn', energy(meter.totalKwhConsumedAc), 'ac'),
    fact('DC delivered', energy(meter.totalKwhDeliveredDc), 'dc'),
    fact('Efficiency', ratio(meter.efficiencyRatio), 'efficiency'),
    fact('Coverage', share('AC', meter.coverage, meter.minCoverage), 'coverage'),
    fact('Vehicles fed', count(meter.vehicles.length), 'vehicles'),
    fact('Verdict', verdict(meter), 'verdict'),
  ];
}

/**
 * One meter over the window: the charger's ratio over every vehicle it fed, its suspect verdict and the
 * vehicles themselves, each with its ratio here against its ratio on other meters. Returns the cleanup.
 */
export function meterView(root: HTMLElement, meterId: string, window: WindowKey): () => void {
  const facts = h('div', { class: 'facts' }, h('p', { class: 'muted' }, 'Loading…'));
  const reason = h('div');
  const vehicles = h('div', { class: 'table-scroll' }, h('p', { class: 'muted' }, 'Loading…'));
  const problem = h('div');
  show(
    root,
    h('div', { class: 'title' }, h('a', { href: href({ window }), class: 'back' }, '← Fleet'), h('h1', {}, meterId)),
    problem,
    panel(`Over the ${windowLabel(window)}`, h('div', {}, facts, reason), undefined, { id: 'meter-figures' }),
    panel('Vehicles charged here', vehicles, h('span', { class: 'muted' }, 'lowest ratio first'), {
      id: 'meter-vehicles',
    }),
  );
  const path = `/v1/analytics/meters/${encodeURIComponent(meterId)}/efficiency`;
  getJson<MeterEfficiency>(path, { hours: WINDOWS[window] })
    .then((meter) => {
      show(facts, ...figures(meter));
      // Every device a reason here may name: this meter, its vehicles and the other meters they charged at.
      const named = {
        meterIds: [meterId, ...meter.vehicles.flatMap((vehicle) => vehicle.elsewhere.meterIds)],
        vehicleIds: meter.vehicles.map((vehicle) => vehicle.vehicleId),
      };
      show(reason, suspectReason(meter.suspectReason, named, window));
      show(vehicles, meterVehiclesTable(meter, named, window));
    })
    .catch((error: unknown) => {
      show(problem, notice('error', errorText(error)));
      show(facts);
      show(vehicles);
    });
  // Nothing here follows the stream or draws a chart, so leaving needs no cleanup.
  return () => undefined;
}
