/** What other features may use of analytics: the window rules readings share, and the rollup tables' DDL. */
export { MAX_WINDOW_HOURS, spanAllowed, type Window } from './analytics.dto';
export type { AnalyticsService } from './analytics.service';
export type { MeterEfficiencyService } from './meter-efficiency.service';
export type { MeterEfficiency } from './meter-efficiency.responses';
export { TABLE_STATEMENTS } from './rollup-tables.repository';
export type { SeriesRepository } from './series.repository';
export { coverage, expected } from './pair-figures.repository';
export type { FleetFinding } from './analytics.service';
