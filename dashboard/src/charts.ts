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
  /** Said after the value in the legend, of the row at `index`: what the value alone does not tell. */
  note?: (index: number) => string | undefined;
}

/** A level the left-hand values are judged against, such as the efficiency alert threshold. */
export interface Threshold {
  label: string;
  color: string;
  value: number;
}

export interface ChartSpec {
  lines: Line[];
  /** Unix seconds, and one series of values (null: no reading) per line. */
  data: [number[], ...Array<Array<number | null>>];
  threshold?: Threshold;
  /** Shown instead of a chart when no line has a value. */
  empty: string;
}

const HEIGHT = 240;
const THRESHOLD_DASH = [6, 4];
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

/**
 * The values with no value on either side. A line needs two points, so a bucket like this (a short
 * session between idle ones) would not be drawn at all; it gets a point of its own instead.
 */
function isolated(values: Array<number | null>): number[] {
  const missing = (index: number) => index < 0 || index >= values.length || values[index] === null;
  return values.flatMap((value, index) => (value !== null && missing(index - 1) && missing(index + 1) ? [index] : []));
}

function lineSeries(line: Line, values: Array<number | null>): uPlot.Series {
  const alone = isolated(values);
  return {
    label: line.label,
    scale: line.scale ?? 'left',
    stroke: line.color,
    width: 2,
    fill: line.fill ? `${line.color}22` : undefined,
    paths: line.stepped ? stepped : undefined,
    // Lines join the buckets; a point marks only a lone one, filled so that it reads as a measured value.
    points: { show: false, fill: line.color, filter: () => (alone.length === 0 ? null : alone) },
    value: (_chart, value, _series, index) =>
      value === null ? '–' : `${number(value, 2)} ${line.unit}${index === null ? '' : (line.note?.(index) ?? '')}`,
  };
}

/**
 * The threshold as a rule across the whole plot. Its series draws nothing itself: it names the rule in the
 * legend (where it can be hidden), and its constant values keep the level inside the left axis's range
 * whatever the data, so the rule is never drawn off the plot. Drawn by a hook, the rule spans the full
 * width even over a single bucket, where a line through the values would be a lone point.
 */
function thresholdSeries({ label, color, value }: Threshold, unit: string): uPlot.Series {
  return {
    label,
    scale: 'left',
    stroke: color,
    width: 2,
    dash: THRESHOLD_DASH,
    paths: () => null,
    points: { show: false },
    value: () => `${number(value, 2)} ${unit}`,
  };
}

function drawThreshold({ color, value }: Threshold, seriesIndex: number) {
  return (plot: uPlot) => {
    if (!plot.series[seriesIndex].show) return;
    const y = Math.round(plot.valToPos(value, 'left', true));
    const { left, width } = plot.bbox;
    const ctx = plot.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 2 * uPlot.pxRatio;
    ctx.setLineDash(THRESHOLD_DASH.map((length) => length * uPlot.pxRatio));
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.restore();
  };
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const units = new Map(spec.lines.map((line) => [line.scale ?? 'left', line.unit]));
  const { threshold } = spec;
  const leftUnit = units.get('left') ?? '';
  return {
    width,
    height: HEIGHT,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    series: [
      {},
      ...spec.lines.map((line, index) => lineSeries(line, spec.data[index + 1])),
      ...(threshold ? [thresholdSeries(threshold, leftUnit)] : []),
    ],
    axes: [
      // Time labels need room, or uPlot packs them edge to edge on a wide chart.
      { stroke: '#475569', grid: { stroke: '#e2e8f0', width: 1 }, space: 90 },
      ...[...units].map(([scale, unit]) => axis(scale, unit, scale === 'left' ? 3 : 1)),
    ],
    hooks: threshold ? { draw: [drawThreshold(threshold, spec.lines.length + 1)] } : {},
  };
}

/**
 * A uPlot chart in `container`, as wide as the container and following its width. Returns the cleanup
 * that stops following and frees the chart.
 */
export function chart(container: HTMLElement, spec: ChartSpec): () => void {
  const [x] = spec.data;
  const { threshold } = spec;
  if (spec.data.slice(1).every((values) => values.every((value) => value === null))) {
    container.replaceChildren(h('p', { class: 'muted empty' }, spec.empty));
    return () => undefined;
  }
  const data: ChartSpec['data'] = threshold ? [...spec.data, x.map(() => threshold.value)] : spec.data;
  const plot = new uPlot(options(spec, container.clientWidth), data, container);
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
