import { errorText } from './api';
import type { AlarmEvent, AlarmView } from './api-types';
import { alarmItem, editing, type AlarmItemContext } from './alarm-item';
import { alarmCounts, TYPE_TEXT } from './alarms';
import { h, notice, panel, show } from './dom';
import { ago, count } from './format';
import type { WindowKey } from './route';

/** Enough to read at once; a site gone dark can open an alarm per device, and those wait behind a button. */
const SHOWN = 50;

const CHANGE_TEXT: Record<AlarmEvent['type'], string> = {
  'alarm.raised': 'New alarm',
  'alarm.acknowledged': 'Alarm acknowledged',
  'alarm.cleared': 'Alarm cleared',
};

export interface AlarmPanel {
  element: HTMLElement;
  /** Shows the alarms once `loading` gives them, or why it could not. */
  update(loading: Promise<AlarmView[]>): Promise<void>;
  /** Says a change that came over the stream to screen readers; the list follows with the next update(). */
  announce(event: AlarmEvent): void;
  dispose(): void;
}

interface Shown {
  /** The alarm as the item shows it, to tell whether the item must be built again. */
  json: string;
  element: HTMLElement;
}

/**
 * The open alarms, newest first, at the top of the fleet page: each with its device, summary, suspect and
 * time, and an Acknowledge button while it is active. `changed` is called when the page changed an alarm
 * itself, for the figures beside the panel to follow without waiting for the stream.
 */
export function alarmPanel(window: WindowKey, changed: () => void): AlarmPanel {
  const list = h('ol', { class: 'alarm-list', hidden: true });
  const empty = h('p', { class: 'muted alarm-empty' }, 'Loading…');
  const counts = h('span', { class: 'muted', 'data-alarm-counts': '' });
  const problem = h('div');
  const foot = h('div', { class: 'table-foot' });
  // What changed, for screen readers: the list changes silently.
  const announcer = h('p', { class: 'visually-hidden', role: 'status' });
  const element = panel('Open alarms', h('div', {}, problem, empty, list, foot, announcer), counts, {
    id: 'alarms',
    'aria-busy': 'true',
  });
  const items = new Map<string, Shown>();
  let alarms: AlarmView[] = [];
  let limit = SHOWN;
  let rendered = false;

  const context: AlarmItemContext = {
    window,
    acknowledged(alarm) {
      alarms = alarms.map((known) => (known.id === alarm.id ? alarm : known));
      render();
      items.get(alarm.id)?.element.focus();
      show(announcer, `Acknowledged the ${TYPE_TEXT[alarm.type]} alarm on ${alarm.subject.id}.`);
      changed();
    },
    stale: changed,
  };

  /**
   * Builds only the items whose alarm changed, and inserts them without moving the others: a note being
   * typed keeps its text and its focus while alarms come and go around it.
   */
  function render() {
    const wanted = alarms.slice(0, limit).map((alarm): [string, Shown] => {
      const json = JSON.stringify(alarm);
      const known = items.get(alarm.id);
      if (known && (known.json === json || (editing(known.element) && alarm.state === 'active'))) {
        return [alarm.id, known];
      }
      const item = alarmItem(alarm, context);
      // A new alarm stands out for a moment; the first list is all new, so nothing does there.
      if (!known && rendered) item.classList.add('flash');
      return [alarm.id, { json, element: item }];
    });
    items.clear();
    wanted.forEach(([id, shown], index) => {
      items.set(id, shown);
      const there = list.children[index];
      if (there !== shown.element) list.insertBefore(shown.element, there ?? null);
    });
    while (list.children.length > wanted.length) list.lastElementChild?.remove();
    rendered = true;

    const { active, acknowledged } = alarmCounts(alarms);
    show(counts, `${count(active)} active · ${count(acknowledged)} acknowledged`);
    list.hidden = alarms.length === 0;
    empty.hidden = alarms.length > 0;
    show(empty, 'No open alarms.');
    const showAll = () => {
      limit = Infinity;
      render();
    };
    show(
      foot,
      alarms.length > limit && h('span', { class: 'muted' }, `${count(limit)} of ${count(alarms.length)} shown`),
      alarms.length > limit && h('button', { type: 'button', class: 'more', onclick: showAll }, 'Show all'),
    );
  }

  // "12 min ago" has to keep counting.
  const ticker = setInterval(() => {
    for (const time of list.querySelectorAll<HTMLElement>('time[data-ts]'))
      time.textContent = ago(time.dataset.ts ?? '');
  }, 15_000);

  return {
    element,
    async update(loading) {
      try {
        alarms = await loading;
        show(problem);
        render();
      } catch (error) {
        show(problem, notice('error', `The alarms could not be read. ${errorText(error)}`));
        if (!rendered) empty.hidden = true;
      }
      element.removeAttribute('aria-busy');
    },
    announce(event) {
      show(announcer, `${CHANGE_TEXT[event.type]}: ${TYPE_TEXT[event.data.type]} on ${event.data.subject.id}.`);
    },
    dispose() {
      clearInterval(ticker);
    },
  };
}
