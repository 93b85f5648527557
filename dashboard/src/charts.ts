import uPlot from 'uplot';
import { h } from './dom';
import { number } from './format';

export interface Line {
  label: string;
  color: string;
  unit: string;
  /** Which y axis: the left one by default, or a second one on the right. */
  scale?: 'left' | 'right';
  /** Energy per bucket is a step, not a slope between buckets. */
  stepped?: boolean;
  fill?: boolean;
  dash?: number[];
}

export interface ChartSpec {
  lines: Line[];
  /** Unix seconds, and one series of values (null: no reading) per line. */
  data: [number[], ...Array<Array<number | null>>];
}

const HEIGHT = 240;
const stepped = uPlot.paths.stepped?.({ align: 1 });

const axis = (scale: string, unit: string, side: 1 | 3): uPlot.Axis => ({
  scale,
  side,
  label: unit,
  labelSize: 20,
  size: 56,
  stroke: '#475569',
  grid: { show: side === 3, stroke: '#e2e8f0', width: 1 },
  values: (_chart, splits) => splits.map((split) => number(split, Math.abs(split) < 10 ? 1 : 0)),
});

function options(spec: ChartSpec, width: number): uPlot.Options {
  const units = new Map(spec.lines.map((line) => [line.scale ?? 'left', line.unit]));
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    series: [
      {},
      ...spec.lines.map((line): uPlot.Series => ({
        label: line.label,
        scale: line.scale ?? 'left',
        stroke: line.color,
        width: 2,
        dash: line.dash,
        fill: line.fill ? `${line.color}22` : undefined,
        paths: line.stepped ? stepped : undefined,
        value: (_chart, value) => (value === null ? '–' : `${number(value, 2)} ${line.unit}`),
      })),
    ],
    axes: [
      // Time labels need room, or uPlot packs them edge to edge on a wide chart.
      { stroke: '#475569', grid: { stroke: '#e2e8f0', width: 1 }, space: 90 },
      ...[...units].map(([scale, unit]) => axis(scale, unit, scale === 'left' ? 3 : 1)),
    ],
  };
}

/**
 * A uPlot chart in `container`, as wide as the container and following its width. Returns the cleanup
 * that stops following and frees the chart.
 */
export function chart(container: HTMLElement, spec: ChartSpec): () => void {
  if (spec.data[0].length === 0) {
    container.replaceChildren(h('p', { class: 'muted empty' }, 'No readings in this window.'));
    return () => undefined;
  }
  const plot = new uPlot(options(spec, container.clientWidth), spec.data, container);
  let width = container.clientWidth;
  // Only a change of width redraws: the chart's own height must not set off another round.
  const resize = new ResizeObserver(() => {
    if (container.clientWidth === width) return;
    width = container.clientWidth;
    plot.setSize({ width, height: HEIGHT });
  });
  resize.observe(container);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}
