import type { VehicleSeries, VehicleSeriesPoint } from './api-types';
import { chart } from './charts';
import { ratio } from './format';

/**
 * The buckets as chart rows, x at each bucket's end. An empty row goes wherever the series skips buckets
 * (no reading in them), so that no line bridges the hours in between as if they had been measured, and
 * at each end of the window, so that the time axis shows the whole window: a lone bucket then sits at its
 * time rather than filling the chart.
 */
export function bucketRows(series: VehicleSeries): { x: number[]; rows: Array<VehicleSeriesPoint | null> } {
  const seconds = (iso: string) => Date.parse(iso) / 1_000;
  const x = [seconds(series.periodStart)];
  const rows: Array<VehicleSeriesPoint | null> = [null];
  for (const point of series.points) {
    // The first bucket may start before the window: only a bucket starting after the last one ends is a gap.
    if (seconds(point.start) > x[x.length - 1]) {
      x.push(seconds(point.start));
      rows.push(null);
    }
    x.push(seconds(point.end));
    rows.push(point);
  }
  if (seconds(series.periodEnd) > x[x.length - 1]) {
    x.push(seconds(series.periodEnd));
    rows.push(null);
  }
  return { x, rows };
}

const NO_READINGS = 'No readings in this window.';

/** A bucket's coverage over its session time; nothing for a bucket without any. */
const coverageNote = (row: VehicleSeriesPoint | null) =>
  row === null || row.coverageAc === null
    ? undefined
    : ` (coverage AC ${ratio(row.coverageAc)}, DC ${ratio(row.coverageDc)})`;

/** The charts of the series: energy, efficiency against the threshold, SoC and battery temperature. */
export function vehicleCharts(series: VehicleSeries, threshold: number, targets: HTMLElement[]): Array<() => void> {
  const { x, rows } = bucketRows(series);
  const values = (pick: (point: VehicleSeriesPoint) => number | null) => rows.map((row) => row && pick(row));
  const [energyChart, efficiencyChart, batteryChart] = targets;
  return [
    chart(energyChart, {
      lines: [
        { label: 'AC drawn', color: '#2563eb', unit: 'kWh', stepped: true, fill: true },
        { label: 'DC delivered', color: '#16a34a', unit: 'kWh', stepped: true, fill: true },
      ],
      data: [x, values((point) => point.kwhConsumedAc), values((point) => point.kwh)],
      empty: NO_READINGS,
    }),
    chart(efficiencyChart, {
      // A low ratio over a bucket with readings missing may be the missing readings, not the charging.
      lines: [{ label: 'Efficiency', color: '#7c3aed', unit: '%', note: (index) => coverageNote(rows[index]) }],
      data: [x, values((point) => (point.efficiencyRatio === null ? null : point.efficiencyRatio * 100))],
      threshold: { label: 'Alert threshold', color: '#dc2626', value: threshold * 100 },
      empty: 'No charging session with AC in this window.',
    }),
    chart(batteryChart, {
      lines: [
        { label: 'SoC', color: '#0891b2', unit: '%' },
        { label: 'Battery temperature', color: '#ea580c', unit: '°C', scale: 'right' },
      ],
      data: [x, values((point) => point.socAvg), values((point) => point.batteryTempAvg)],
      empty: NO_READINGS,
    }),
  ];
}
