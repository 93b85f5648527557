import type { VehiclePerformance } from './api-types';
import { h } from './dom';
import { energy, ratio } from './format';
import type { Tone } from './verdict';

// The two sides of the efficiency ratio as the tables show them: AC over DC, meters' coverage over the
// vehicle's, and the ratio itself with a bar in the tone of its verdict.

/** A ratio with a bar under it, full at 100 %, so that a column of them reads at a glance. */
export function ratioCell(value: number | null, shade: Tone): HTMLElement {
  const fill = h('span', { class: `bar-fill bar-${shade}` });
  // Set through the CSSOM, which no style-src policy blocks, unlike a style attribute.
  fill.style.width = `${value === null ? 0 : Math.min(100, value * 100)}%`;
  return h(
    'td',
    { class: 'num', 'data-ratio': value ?? '' },
    h('span', { class: `ratio ratio-${shade}` }, ratio(value)),
    h('span', { class: 'bar' }, fill),
  );
}

/** One coverage figure; below `minCoverage` it is marked, as it is what keeps the ratio from counting. */
export function share(label: string, value: number | null, minCoverage: number): HTMLElement {
  const low = value !== null && value < minCoverage;
  return h(
    'span',
    { class: low ? 'coverage coverage-low' : 'coverage', title: low ? `below ${ratio(minCoverage)}` : undefined },
    `${label} ${ratio(value)}`,
  );
}

/** The AC and the DC side of something, one above the other, as the ratio puts one over the other. */
const sides = (ac: HTMLElement, dc: HTMLElement, attrs: Record<string, string | number> = {}) =>
  h('span', { class: 'sides', ...attrs }, ac, dc);

/** The meters' and the vehicle's coverage. */
export const coverage = (
  figures: Pick<VehiclePerformance, 'coverageAc' | 'coverageDc'>,
  minCoverage: number,
): HTMLElement =>
  sides(share('AC', figures.coverageAc, minCoverage), share('DC', figures.coverageDc, minCoverage), {
    'data-coverage-ac': figures.coverageAc ?? '',
    'data-coverage-dc': figures.coverageDc ?? '',
  });

/** The AC drawn and the DC delivered. */
export const energies = (figures: Pick<VehiclePerformance, 'totalKwhConsumedAc' | 'totalKwhDeliveredDc'>) =>
  sides(
    h('span', {}, `AC ${energy(figures.totalKwhConsumedAc)}`),
    h('span', {}, `DC ${energy(figures.totalKwhDeliveredDc)}`),
  );
