import type { DataQualityFlag, Suspect, VehiclePerformance } from './api-types';
import { h } from './dom';
import { withDeviceLinks, type Named } from './links';
import type { WindowKey } from './route';

// How a vehicle's figures read: a fault (low efficiency), readings that contradict each other, or too
// few readings to judge at all. The last is no fault of the vehicle or the charger, so it is never
// shown in a fault's colours.

type Judged = Pick<VehiclePerformance, 'lowEfficiency' | 'dataQuality'> & {
  suspect?: Suspect | null;
};

/** Flags saying that readings are missing: the ratio, if any, describes only what arrived. */
const MISSING: ReadonlySet<DataQualityFlag> = new Set(['incomplete-ac', 'incomplete-dc', 'no-session']);

const FLAG_TEXT: Record<DataQualityFlag, { text: string; title: string }> = {
  'dc-exceeds-ac': {
    text: 'DC exceeds AC',
    title: 'More DC reached the battery than its chargers drew: readings are wrong',
  },
  'shared-meter': { text: 'Shared meter', title: 'The meter fed other vehicles in the window, not this one' },
  'incomplete-ac': {
    text: 'AC readings missing',
    title: 'The chargers’ meters sent too few readings over the sessions',
  },
  'incomplete-dc': { text: 'DC readings missing', title: 'The vehicle sent too few readings over its sessions' },
  'no-session': { text: 'No session', title: 'DC was delivered without a charging session to set it against' },
};

const SUSPECT_TEXT: Record<Suspect, string> = { charger: 'Charger suspect', vehicle: 'Vehicle suspect' };

export const notEnoughData = (figures: Pick<Judged, 'dataQuality'>): boolean =>
  figures.dataQuality.some((flag) => MISSING.has(flag));

export type Tone = 'good' | 'bad' | 'warn' | 'muted';

export function tone(figures: Judged): Tone {
  if (notEnoughData(figures)) return 'muted';
  if (figures.dataQuality.length > 0) return 'warn';
  return figures.lowEfficiency ? 'bad' : 'good';
}

/** One flag; `flag` names it for tests and styles, `kind` is its colour. */
export const pill = (flag: string, kind: 'bad' | 'warn' | 'muted' | 'info', text: string, title?: string) =>
  h('span', { class: `flag flag-${kind}`, 'data-flag': flag, title }, text);

export function flags(figures: Judged): HTMLElement {
  const missing = notEnoughData(figures);
  return h(
    'span',
    { class: 'flags' },
    figures.lowEfficiency && pill('low-efficiency', 'bad', 'Low efficiency'),
    missing && pill('not-enough-data', 'muted', 'Not enough data', 'Too few readings to judge the efficiency'),
    ...figures.dataQuality.map((flag) =>
      pill(flag, MISSING.has(flag) ? 'muted' : 'warn', FLAG_TEXT[flag]?.text ?? flag, FLAG_TEXT[flag]?.title),
    ),
    figures.suspect && pill(`suspect-${figures.suspect}`, 'bad', SUSPECT_TEXT[figures.suspect]),
  );
}

/** Why a side is suspected, as the API words it, with the devices it names linked to their pages. */
export const suspectReason = (text: string | null, named: Named, window: WindowKey): HTMLElement | false =>
  text !== null && h('p', { class: 'reason', 'data-reason': '' }, ...withDeviceLinks(text, named, window));
