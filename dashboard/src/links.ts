import { h } from './dom';
import { href, type WindowKey } from './route';

// Every device id the page shows is a link to that device's own page, over the same window, so that a
// figure can always be followed to the readings behind it.

export const vehicleLink = (vehicleId: string, window: WindowKey): HTMLElement =>
  h('a', { href: href({ vehicleId, window }), 'data-vehicle-link': vehicleId }, vehicleId);

export const meterLink = (meterId: string, window: WindowKey): HTMLElement =>
  h('a', { href: href({ meterId, window }), 'data-meter-link': meterId }, meterId);

/** Meter links separated by commas, for a vehicle that charged at several. */
export function meterLinks(meterIds: string[], window: WindowKey): Array<HTMLElement | string> {
  return meterIds.flatMap((meterId, index) => [...(index === 0 ? [] : [', ']), meterLink(meterId, window)]);
}

/** The devices a sentence may name, as the answer it came with lists them. */
export interface Named {
  meterIds: string[];
  vehicleIds?: string[];
}

/**
 * A sentence from the API (a suspect's reason) with the devices it names turned into links. Only the ids
 * the answer lists beside it are looked for, each as a whole: M1 does not match inside M10.
 */
export function withDeviceLinks(
  text: string,
  { meterIds, vehicleIds = [] }: Named,
  window: WindowKey,
): Array<HTMLElement | string> {
  const links = new Map<string, () => HTMLElement>();
  for (const id of vehicleIds) links.set(id, () => vehicleLink(id, window));
  for (const id of meterIds) links.set(id, () => meterLink(id, window));
  if (links.size === 0) return [text];
  // Of the characters of an id (letters, digits and . _ : -) only the dot means something in a pattern.
  const ids = [...links.keys()].map((id) => id.replaceAll('.', '\\.'));
  // An id ends at any character that cannot be part of one, or at a full stop ending the sentence.
  const pattern = new RegExp(`(?<![\\w.:-])(${ids.join('|')})(?![\\w:-]|\\.[\\w:-])`, 'g');
  return text
    .split(pattern)
    .map((part, index) => (index % 2 === 1 ? (links.get(part)?.() ?? part) : part))
    .filter((part) => part !== '');
}
