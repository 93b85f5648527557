import { ApiError, errorText } from './api';
import type { AlarmType, AlarmView } from './api-types';
import { acknowledge, STATE_TEXT, TYPE_TEXT } from './alarms';
import { storedKey } from './auth';
import { h, notice, show } from './dom';
import { ago, dateTime } from './format';
import { meterLink, vehicleLink, withDeviceLinks, type Named } from './links';
import type { WindowKey } from './route';
import { pill } from './verdict';

// One open alarm as the panel lists it: what, on which device, why, since when, and who took it on;
// an active one has the button that acknowledges it, with a note asked for in place (no prompt()).

export interface AlarmItemContext {
  window: WindowKey;
  /** The alarm as the acknowledgement answered it, for the panel to show in place of the item. */
  acknowledged(alarm: AlarmView): void;
  /** The alarm changed under the acknowledgement (it cleared): the panel reads the list again. */
  stale(): void;
}

/** A fault's red for what is wrong with the charging; amber for what is wrong with the reporting. */
const TYPE_TONE: Record<AlarmType, 'bad' | 'warn'> = {
  'low-efficiency': 'bad',
  'device-silent': 'warn',
  'data-quality': 'warn',
  'webhook-failing': 'warn',
};

const NOTE_MAX = 500;

/** A moment as "12 min ago", kept counting by the panel, with the date and time beside it. */
export const moment = (iso: string): HTMLElement =>
  h(
    'span',
    { class: 'moment' },
    h('time', { datetime: iso, 'data-ts': iso, title: dateTime(iso) }, ago(iso)),
    ` (${dateTime(iso)})`,
  );

/** The devices the alarm's sentences may name: its subject, its suspect and its sessions' meters. */
function named(alarm: AlarmView): Named {
  const meterIds: string[] = [];
  const vehicleIds: string[] = [];
  const { subject, suspect, details } = alarm;
  if (subject.kind === 'meter') meterIds.push(subject.id);
  if (subject.kind === 'vehicle') vehicleIds.push(subject.id);
  if (suspect?.id) (suspect.kind === 'charger' ? meterIds : vehicleIds).push(suspect.id);
  const sessions = Array.isArray(details.sessions) ? (details.sessions as Array<{ meterId?: unknown }>) : [];
  for (const { meterId } of sessions) if (typeof meterId === 'string') meterIds.push(meterId);
  return { meterIds, vehicleIds };
}

function subjectLink(alarm: AlarmView, window: WindowKey): HTMLElement {
  const { kind, id } = alarm.subject;
  if (kind === 'vehicle') return vehicleLink(id, window);
  if (kind === 'meter') return meterLink(id, window);
  // A webhook endpoint has no page here; its URL says which one it is.
  const url = typeof alarm.details.url === 'string' ? alarm.details.url : id;
  return h('span', { class: 'webhook' }, 'webhook ', h('code', {}, url));
}

/** The side the analytics blame, linked to its page, and their reason. */
function suspectLine(alarm: AlarmView, window: WindowKey): HTMLElement | false {
  const { suspect } = alarm;
  if (!suspect) return false;
  const who =
    suspect.id === null
      ? ''
      : suspect.kind === 'charger'
        ? meterLink(suspect.id, window)
        : vehicleLink(suspect.id, window);
  return h(
    'p',
    { class: 'reason', 'data-suspect': suspect.kind },
    h('strong', {}, `Suspect: ${suspect.kind} `),
    who,
    ' – ',
    ...withDeviceLinks(suspect.reason, named(alarm), window),
  );
}

function acknowledgement(alarm: AlarmView): HTMLElement {
  return h(
    'div',
    { class: 'acknowledgement', 'data-acknowledged-by': alarm.acknowledgedBy ?? '' },
    h(
      'span',
      {},
      'Acknowledged',
      alarm.acknowledgedBy !== null && ' by ',
      alarm.acknowledgedBy !== null && h('strong', {}, alarm.acknowledgedBy),
    ),
    alarm.acknowledgedAt !== null && moment(alarm.acknowledgedAt),
    alarm.acknowledgeNote !== null && h('q', { class: 'note' }, alarm.acknowledgeNote),
  );
}

/** Why an acknowledgement did not happen, in words an operator can act on. */
function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 403) {
    const hint = storedKey() === undefined ? '' : ' Use “Forget key” at the top to enter an admin key.';
    return `Not acknowledged: only a key with role admin may acknowledge alarms. ${error.message}${hint}`;
  }
  if (error instanceof ApiError && error.status === 409) return 'Not acknowledged: the alarm has cleared meanwhile.';
  if (error instanceof ApiError && error.status === 404) return 'Not acknowledged: the alarm is gone.';
  return `Not acknowledged. ${errorText(error)}`;
}

/** The form an active alarm's button opens: an optional note, then the POST. */
function acknowledgeForm(alarm: AlarmView, label: string, context: AlarmItemContext, close: () => void) {
  const input = h('input', { name: 'note', type: 'text', maxlength: NOTE_MAX, autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Acknowledge');
  const cancel = h('button', { type: 'button', onclick: close }, 'Cancel');
  const message = h('div', { class: 'acknowledge-message' });
  const form = h(
    'form',
    { class: 'acknowledge-form', 'aria-label': `Acknowledge ${label}` },
    h('label', {}, 'Note (optional)', input),
    h('div', { class: 'buttons' }, submit, cancel),
    message,
  );
  const busy = (on: boolean) => {
    for (const control of [input, submit, cancel]) control.disabled = on;
    form.setAttribute('aria-busy', String(on));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(true);
    show(message);
    acknowledge(alarm.id, input.value.trim())
      .then((acknowledged) => context.acknowledged(acknowledged))
      .catch((error: unknown) => {
        busy(false);
        show(message, notice('error', refusal(error)));
        if (error instanceof ApiError && (error.status === 409 || error.status === 404)) context.stale();
        else input.focus();
      });
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  return { form, input };
}

/** Whether someone is writing a note in the item: the panel leaves such an item where it is. */
export const editing = (item: HTMLElement): boolean => item.querySelector('form') !== null;

export function alarmItem(alarm: AlarmView, context: AlarmItemContext): HTMLElement {
  const { window } = context;
  const label = `${TYPE_TEXT[alarm.type]} alarm on ${alarm.subject.id}`;
  const action = h('div', { class: 'alarm-action' });
  const button = (): HTMLButtonElement =>
    h(
      'button',
      { type: 'button', class: 'acknowledge', 'aria-label': `Acknowledge ${label}`, onclick: open },
      'Acknowledge',
    );
  function open() {
    const { form, input } = acknowledgeForm(alarm, label, context, close);
    show(action, form);
    input.focus();
  }
  function close() {
    const again = button();
    show(action, again);
    again.focus();
  }
  show(action, alarm.state === 'active' ? button() : acknowledgement(alarm));
  return h(
    'li',
    {
      class: `alarm alarm-${alarm.state}`,
      'data-alarm': alarm.id,
      'data-type': alarm.type,
      'data-state': alarm.state,
      'data-subject': `${alarm.subject.kind}:${alarm.subject.id}`,
      // Focused once acknowledged, as the button that had the focus is gone.
      tabindex: -1,
    },
    h(
      'div',
      { class: 'alarm-main' },
      h(
        'div',
        { class: 'alarm-head' },
        pill(alarm.type, TYPE_TONE[alarm.type], TYPE_TEXT[alarm.type]),
        pill(`state-${alarm.state}`, alarm.state === 'active' ? 'bad' : 'muted', STATE_TEXT[alarm.state]),
        h('span', { class: 'alarm-subject' }, subjectLink(alarm, window)),
        h('span', { class: 'alarm-raised' }, 'raised ', moment(alarm.raisedAt)),
      ),
      h('p', { class: 'alarm-summary' }, ...withDeviceLinks(alarm.summary, named(alarm), window)),
      suspectLine(alarm, window),
    ),
    action,
  );
}
