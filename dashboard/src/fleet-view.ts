import { errorText } from './api';
import { alarmPanel } from './alarm-panel';
import { openAlarms } from './alarms';
import { debounced } from './debounce';
import { h, notice, show } from './dom';
import { showFleetKpis } from './fleet-kpis';
import { liveFleet } from './live-fleet';
import { liveTable } from './live-table';
import { rankingPanel } from './ranking';
import { windowLabel, type WindowKey } from './route';

/**
 * How long the page lets alarm changes gather before it reads the alarms, KPIs and ranking again: one
 * evaluation can raise or clear many alarms at once, and each comes as an event of its own.
 */
const REFRESH_WAIT_MS = 400;

/**
 * The fleet over the window: its open alarms first, then the KPIs, the efficiency ranking and every
 * device's live status. All but the live status are read again when an alarm changes.
 */
export function fleetView(root: HTMLElement, window: WindowKey): () => void {
  const kpis = h('div', { class: 'kpis', id: 'kpis', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const alarms = alarmPanel(window, () => refresh.schedule());
  const ranking = rankingPanel(window);
  const live = liveTable(window);
  show(
    root,
    h('div', { class: 'title' }, h('h1', {}, 'Fleet'), h('span', { class: 'muted' }, windowLabel(window))),
    alarms.element,
    kpis,
    h('div', { class: 'columns wide-left' }, ranking.element, live.element),
  );

  // The panel and the KPI card count the same list, read once for both.
  const load = async () => {
    const open = openAlarms();
    await Promise.all([
      alarms.update(open),
      showFleetKpis(kpis, window, open).catch((error: unknown) => show(kpis, notice('error', errorText(error)))),
    ]);
  };
  const refresh = debounced(async () => {
    await Promise.all([load(), ranking.refresh()]);
  }, REFRESH_WAIT_MS);
  void load();

  const unsubscribe = liveFleet.subscribe((change) => {
    if (change.kind === 'alarm') alarms.announce(change.event);
    if (change.kind === 'alarm' || change.kind === 'figures') refresh.schedule();
  });
  return () => {
    unsubscribe();
    refresh.cancel();
    alarms.dispose();
    live.dispose();
  };
}
