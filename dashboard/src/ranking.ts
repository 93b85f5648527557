import { errorText, getJson, type Query } from './api';
import type { FleetEfficiencyPage } from './api-types';
import { h, notice, panel, show } from './dom';
import { count, ratio } from './format';
import { RANKING_HEAD, rankingRows } from './ranking-row';
import { WINDOWS, type WindowKey } from './route';
import { notEnoughData } from './verdict';

const PAGE = 25;
/** The API's largest page: a refresh reads as many rows as were shown, up to this, in one request. */
const MAX_PAGE = 1_000;

export interface RankingPanel {
  element: HTMLElement;
  /** Reads the rows shown again (as many as the "Show more" clicks have shown) and replaces them. */
  refresh(): Promise<void>;
}

/**
 * The fleet ranking, lowest efficiency first, a page at a time through the API's cursor. Vehicles with
 * too few readings to judge go into a group of their own under it: their ratio (if any) says how much of
 * the energy was reported, not how well they charge, so ranking them among the faults would mislead.
 */
export function rankingPanel(window: WindowKey): RankingPanel {
  const ranked = h('tbody', { class: 'ranked' });
  const unjudgedNote = h('th', { colspan: RANKING_HEAD.length });
  const unjudgedHead = h('tr', { class: 'group' }, unjudgedNote);
  const unjudged = h('tbody', { class: 'not-enough-data', hidden: true }, unjudgedHead);
  const status = h('div', { class: 'table-foot' });
  const table = h(
    'table',
    { class: 'ranking' },
    h('thead', {}, h('tr', {}, ...RANKING_HEAD.map((text) => h('th', {}, text)))),
    ranked,
    unjudged,
  );
  let shown = 0;
  let rank = 0;
  // A refresh starts the list again: an answer to a request made before it belongs to the old list.
  let generation = 0;

  const load = async (query: Query, replace: boolean) => {
    const asked = replace ? ++generation : generation;
    if (!replace) show(status, h('span', { class: 'muted' }, 'Loading…'));
    try {
      const page = await getJson<FleetEfficiencyPage>('/v1/analytics/fleet/efficiency', query);
      if (asked !== generation) return;
      if (replace) {
        ranked.replaceChildren();
        unjudged.replaceChildren(unjudgedHead);
        shown = 0;
        rank = 0;
      }
      const context = { minCoverage: page.minCoverage, window };
      for (const vehicle of page.vehicles) {
        if (notEnoughData(vehicle)) unjudged.append(...rankingRows(vehicle, undefined, context));
        else ranked.append(...rankingRows(vehicle, ++rank, context));
        shown += 1;
      }
      show(
        unjudgedNote,
        `Not enough data: readings cover less than ${ratio(page.minCoverage)} of the charging, or there was no session`,
      );
      unjudged.hidden = unjudged.rows.length === 1;
      const more = page.nextCursor;
      show(
        status,
        h('span', { class: 'muted' }, shown === 0 ? 'No vehicle charged in this window.' : `${count(shown)} vehicles`),
        more !== null &&
          h(
            'button',
            { type: 'button', class: 'more', onclick: () => void load({ cursor: more, limit: PAGE }, false) },
            'Show more',
          ),
      );
    } catch (error) {
      if (asked === generation) show(status, notice('error', errorText(error)));
    }
  };
  void load({ hours: WINDOWS[window], limit: PAGE }, false);
  const element = panel(
    'Efficiency ranking',
    h('div', { class: 'table-scroll' }, table, status),
    h('span', { class: 'muted' }, 'lowest first'),
    { id: 'ranking' },
  );
  return {
    element,
    refresh: () => load({ hours: WINDOWS[window], limit: Math.min(MAX_PAGE, Math.max(PAGE, shown)) }, true),
  };
}
