import { getJson, postJson } from './api';
import type { AlarmPage, AlarmState, AlarmType, AlarmView } from './api-types';

// The alarms as the API keeps them: the open ones (active or acknowledged) and the one thing the page
// changes about them, an acknowledgement.

/** The API's largest page of alarms. */
const PAGE = 500;

/**
 * Every open alarm, newest raised first, as GET /v1/alarms?state=open lists them. Unlike the fleet's, an
 * alarm cursor holds only where its page ended: every page is asked with the filter again.
 */
export async function openAlarms(): Promise<AlarmView[]> {
  const alarms: AlarmView[] = [];
  let cursor: string | undefined;
  do {
    const page: AlarmPage = await getJson<AlarmPage>('/v1/alarms', { state: 'open', limit: PAGE, cursor });
    alarms.push(...page.alarms);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return alarms;
}

/** Acknowledges an alarm with an optional note; only a key with role admin may. */
export const acknowledge = (alarmId: string, note: string): Promise<AlarmView> =>
  postJson<AlarmView>(`/v1/alarms/${encodeURIComponent(alarmId)}/acknowledge`, note === '' ? {} : { note }, 'admin');

export const TYPE_TEXT: Record<AlarmType, string> = {
  'low-efficiency': 'Low efficiency',
  'device-silent': 'Device silent',
  'data-quality': 'Data quality',
  'webhook-failing': 'Webhook failing',
};

export const STATE_TEXT: Record<AlarmState, string> = {
  active: 'Active',
  acknowledged: 'Acknowledged',
  cleared: 'Cleared',
};

/** How the open alarms split: what nobody has taken on yet, and what someone has. */
export function alarmCounts(alarms: AlarmView[]): { active: number; acknowledged: number } {
  const inState = (state: AlarmState) => alarms.filter((alarm) => alarm.state === state).length;
  return { active: inState('active'), acknowledged: inState('acknowledged') };
}
