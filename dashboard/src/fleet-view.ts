import { errorText } from './api';
import { h, notice, show } from './dom';
import { showFleetKpis } from './fleet-kpis';
import { liveTable } from './live-table';
import { rankingPanel } from './ranking';
import { windowLabel, type WindowKey } from './route';

/** The fleet over the window: KPIs, the efficiency ranking and every device's live status. */
export function fleetView(root: HTMLElement, window: WindowKey): () => void {
  const kpis = h('div', { class: 'kpis', id: 'kpis', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const live = liveTable(window);
  show(
    root,
    h('div', { class: 'title' }, h('h1', {}, 'Fleet'), h('span', { class: 'muted' }, windowLabel(window))),
    kpis,
    h('div', { class: 'columns wide-left' }, rankingPanel(window), live.element),
  );
  showFleetKpis(kpis, window).catch((error: unknown) => show(kpis, notice('error', errorText(error))));
  return () => live.dispose();
}
