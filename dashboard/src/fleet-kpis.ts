import { allPages } from './api';
import type { AlarmView, FleetEfficiencyPage, VehicleListEntry, VehiclePerformance } from './api-types';
import { alarmCounts } from './alarms';
import { h, show } from './dom';
import { count, energy, ratio } from './format';
import { liveFleet } from './live-fleet';
import { WINDOWS, type WindowKey } from './route';
import { notEnoughData } from './verdict';

export interface FleetKpis {
  /** Open alarms that nobody has acknowledged, and those someone has; null when they could not be read. */
  alarms: { active: number; acknowledged: number } | null;
  vehiclesReporting: number;
  vehiclesKnown: number;
  chargingNow: number;
  acKwh: number;
  dcKwh: number;
  /** DC over AC of the vehicles whose figures are plausible; null without any AC. */
  efficiency: number | null;
  lowEfficiency: number;
  /** Vehicles whose readings contradict each other. */
  dataProblems: number;
  /** Vehicles with too few readings to judge: no fault, but nothing to go on either. */
  notEnoughData: number;
  threshold: number;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * The fleet's figures over the window, from every page of the ranking and the devices' live status.
 * A vehicle with a data-quality flag counts in the energy totals (it is what the meters counted) but
 * not in the fleet's efficiency, which its implausible or partial ratio would only distort. One with
 * readings missing counts as not enough data rather than as a data problem: nothing contradicts.
 */
export function fleetKpis(
  ranking: VehiclePerformance[],
  vehicles: VehicleListEntry[],
  windowStart: Date,
  threshold: number,
  alarms: AlarmView[] | null,
): FleetKpis {
  const trusted = ranking.filter((vehicle) => vehicle.dataQuality.length === 0);
  const trustedAc = sum(trusted.map((vehicle) => vehicle.totalKwhConsumedAc));
  const unjudged = ranking.filter(notEnoughData).length;
  return {
    alarms: alarms && alarmCounts(alarms),
    vehiclesReporting: vehicles.filter((vehicle) => new Date(vehicle.timestamp) > windowStart).length,
    vehiclesKnown: vehicles.length,
    chargingNow: vehicles.filter((vehicle) => vehicle.currentSession !== null).length,
    acKwh: sum(ranking.map((vehicle) => vehicle.totalKwhConsumedAc)),
    dcKwh: sum(ranking.map((vehicle) => vehicle.totalKwhDeliveredDc)),
    efficiency: trustedAc > 0 ? sum(trusted.map((vehicle) => vehicle.totalKwhDeliveredDc)) / trustedAc : null,
    lowEfficiency: ranking.filter((vehicle) => vehicle.lowEfficiency).length,
    dataProblems: ranking.length - trusted.length - unjudged,
    notEnoughData: unjudged,
    threshold,
  };
}

type Tone = 'plain' | 'good' | 'bad' | 'warn';

function card(name: string, label: string, value: number | null, text: string, note: string, tone: Tone = 'plain') {
  return h(
    'div',
    { class: `kpi kpi-${tone}`, 'data-kpi': name, 'data-value': value ?? '' },
    h('span', { class: 'kpi-label' }, label),
    h('strong', { class: 'kpi-value' }, text),
    h('span', { class: 'kpi-note' }, note),
  );
}

/** Red while an alarm waits for someone, amber while acknowledged ones stay open. */
function alarmsCard(alarms: FleetKpis['alarms']): HTMLElement {
  if (alarms === null) return card('open-alarms', 'Open alarms', null, '–', 'could not be read');
  const open = alarms.active + alarms.acknowledged;
  const tone = alarms.active > 0 ? 'bad' : open > 0 ? 'warn' : 'good';
  const note = `${count(alarms.active)} active, ${count(alarms.acknowledged)} acknowledged`;
  return card('open-alarms', 'Open alarms', open, count(open), note, tone);
}

function cards(k: FleetKpis): HTMLElement[] {
  const below = `below ${ratio(k.threshold)}`;
  return [
    alarmsCard(k.alarms),
    card(
      'vehicles-reporting',
      'Vehicles reporting',
      k.vehiclesReporting,
      count(k.vehiclesReporting),
      `of ${count(k.vehiclesKnown)} known`,
    ),
    card('charging-now', 'Charging now', k.chargingNow, count(k.chargingNow), 'in an open session'),
    card('ac-energy', 'AC energy drawn', k.acKwh, energy(k.acKwh), 'by chargers, in sessions'),
    card('dc-energy', 'DC energy delivered', k.dcKwh, energy(k.dcKwh), 'to batteries, in sessions'),
    card(
      'efficiency',
      'Fleet efficiency',
      k.efficiency,
      ratio(k.efficiency),
      'DC / AC, plausible figures only',
      k.efficiency === null ? 'plain' : k.efficiency < k.threshold ? 'bad' : 'good',
    ),
    card(
      'low-efficiency',
      'Low efficiency',
      k.lowEfficiency,
      count(k.lowEfficiency),
      `vehicles ${below}`,
      k.lowEfficiency > 0 ? 'bad' : 'good',
    ),
    card(
      'data-problems',
      'Data problems',
      k.dataProblems,
      count(k.dataProblems),
      'vehicles with implausible figures',
      k.dataProblems > 0 ? 'warn' : 'good',
    ),
    card(
      'not-enough-data',
      'Not enough data',
      k.notEnoughData,
      count(k.notEnoughData),
      'vehicles with readings missing',
    ),
  ];
}

const PAGE = 1_000;

/**
 * Fills `target` with the window's KPIs and the count of `openAlarms` (the alarm panel's list, read once
 * for both); what went wrong is thrown, for the view to show. Alarms that could not be read leave their
 * card blank and the rest standing: the panel says why.
 */
export async function showFleetKpis(
  target: HTMLElement,
  window: WindowKey,
  openAlarms: Promise<AlarmView[]>,
): Promise<void> {
  const [pages, alarms] = await Promise.all([
    allPages<FleetEfficiencyPage>('/v1/analytics/fleet/efficiency', { hours: WINDOWS[window], limit: PAGE }),
    openAlarms.catch(() => null),
    liveFleet.start(),
  ]);
  const ranking = pages.flatMap((page) => page.vehicles);
  const vehicles = [...liveFleet.vehicles.values()];
  const kpis = fleetKpis(ranking, vehicles, new Date(pages[0].periodStart), pages[0].threshold, alarms);
  show(target, ...cards(kpis));
  target.removeAttribute('aria-busy');
}
