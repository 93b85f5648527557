import type { FleetVehicle } from './api-types';
import { h } from './dom';
import { coverage, energies, ratioCell } from './figures';
import { celsius, count } from './format';
import { meterLinks, vehicleLink } from './links';
import type { WindowKey } from './route';
import { flags, notEnoughData, suspectReason, tone } from './verdict';

export const RANKING_HEAD = ['#', 'Vehicle', 'Efficiency', 'Energy', 'Coverage', 'Battery', 'Readings', 'Flags'];

/** What a row needs from its page besides the vehicle. */
export interface RankingContext {
  minCoverage: number;
  window: WindowKey;
}

/**
 * Why a vehicle is suspected, in a row of its own under the vehicle's: the sentence is too long for a
 * cell, and it is what an operator reads first.
 */
const reasonRow = (vehicle: FleetVehicle, window: WindowKey) =>
  vehicle.suspectReason !== null &&
  h(
    'tr',
    { class: 'reason-row', 'data-reason-for': vehicle.vehicleId },
    h('td'),
    h('td', { colspan: RANKING_HEAD.length - 1 }, suspectReason(vehicle.suspectReason, vehicle, window)),
  );

/**
 * One vehicle of the ranking, and the reason it is suspected if it is. `rank` is undefined for a vehicle
 * with too few readings: it takes no place in the order, whatever its ratio says.
 */
export function rankingRows(
  vehicle: FleetVehicle,
  rank: number | undefined,
  { minCoverage, window }: RankingContext,
): HTMLElement[] {
  const shade = tone(vehicle);
  const flagged = shade === 'bad' || shade === 'warn' || vehicle.suspect !== null;
  const row = h(
    'tr',
    {
      'data-vehicle': vehicle.vehicleId,
      'data-verdict': notEnoughData(vehicle) ? 'not-enough-data' : 'ranked',
      class: flagged ? 'flagged' : '',
    },
    h('td', { class: 'num muted' }, rank ?? '–'),
    h(
      'td',
      {},
      vehicleLink(vehicle.vehicleId, window),
      vehicle.meterIds.length > 0 && h('span', { class: 'via' }, 'at ', ...meterLinks(vehicle.meterIds, window)),
    ),
    ratioCell(vehicle.efficiencyRatio, shade),
    h('td', { class: 'num' }, energies(vehicle)),
    h('td', {}, coverage(vehicle, minCoverage)),
    h('td', { class: 'num' }, celsius(vehicle.averageBatteryTemp)),
    h('td', { class: 'num' }, count(vehicle.recordCount)),
    h('td', {}, flags(vehicle)),
  );
  const reason = reasonRow(vehicle, window);
  return reason ? [row, reason] : [row];
}
