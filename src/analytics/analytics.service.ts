import { NotFoundError } from '../errors/problem';
import { encodeFleetCursor, type FleetPosition, type FleetQuery, type Window } from './analytics.dto';
import type { AnalyticsRepository, FiguresSettings, FleetFigures, VehicleFigures } from './analytics.repository';
import type { DataQualityFlag, FleetEfficiencyPage, FleetVehicle, VehiclePerformance } from './analytics.responses';
import { suspectReason } from './suspect-reason';

export type { FleetEfficiencyPage, VehiclePerformance } from './analytics.responses';

export interface AnalyticsOptions {
  /** A ratio below this flags the vehicle; the fleet query may override it. */
  efficiencyAlertThreshold: number;
  /** READING_INTERVAL_SECONDS: the interval of devices whose registry record sets none. */
  readingIntervalSeconds: number;
  /** MIN_COVERAGE: figures with less of their expected readings are incomplete. */
  minCoverage: number;
}

/** The settings figures are judged by, with the threshold a query may set instead of the configured one. */
export const judgedBy =
  (options: AnalyticsOptions) =>
  (threshold = options.efficiencyAlertThreshold): FiguresSettings => ({
    threshold,
    minCoverage: options.minCoverage,
    readingIntervalSeconds: options.readingIntervalSeconds,
  });

const performanceOf = (figures: VehicleFigures, window: Window): VehiclePerformance => ({
  ...figures,
  periodStart: window.from.toISOString(),
  periodEnd: window.to.toISOString(),
});

const fleetVehicleOf = ({ suspect, evidence, ...figures }: FleetFigures, window: Window): FleetVehicle => ({
  ...performanceOf(figures, window),
  suspect,
  suspectReason: suspectReason(suspect, evidence),
});

/** A vehicle's data-quality flags in the fleet list. */
export interface FleetFinding {
  vehicleId: string;
  dataQuality: DataQualityFlag[];
}

/** Rows per statement when the whole fleet is read: few statements, each a bounded answer. */
const FINDINGS_PAGE = 1_000;

export class AnalyticsService {
  private readonly settings: (threshold?: number) => FiguresSettings;

  constructor(
    private readonly repository: AnalyticsRepository,
    options: AnalyticsOptions,
  ) {
    this.settings = judgedBy(options);
  }

  async vehiclePerformance(vehicleId: string, window: Window, meterId?: string): Promise<VehiclePerformance> {
    const figures = await this.repository.vehicleFigures(vehicleId, window, this.settings(), meterId);
    // A vehicle with readings in the window has been seen; only an empty window needs the second look.
    if (figures.recordCount === 0 && !(await this.repository.vehicleSeen(vehicleId))) {
      throw new NotFoundError(`Vehicle ${vehicleId} has never reported.`);
    }
    return performanceOf(figures, window);
  }

  /** Every listed vehicle's flags over the window, page after page: what data-quality alarms are judged by. */
  async fleetFindings(window: Window): Promise<FleetFinding[]> {
    const settings = this.settings();
    const findings: FleetFinding[] = [];
    let after: FleetPosition | undefined;
    for (;;) {
      const rows = await this.repository.fleetFigures(window, {}, settings, FINDINGS_PAGE, after);
      findings.push(...rows.map(({ vehicleId, dataQuality }) => ({ vehicleId, dataQuality })));
      const last = rows.at(-1);
      if (!last || rows.length < FINDINGS_PAGE) return findings;
      after = { ratio: last.efficiencyRatio, vehicleId: last.vehicleId };
    }
  }

  async fleetEfficiency({ window, threshold, filter, limit, after }: FleetQuery): Promise<FleetEfficiencyPage> {
    const settings = this.settings(threshold);
    // One row more than the page tells whether another page follows.
    const rows = await this.repository.fleetFigures(window, filter, settings, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      periodStart: window.from.toISOString(),
      periodEnd: window.to.toISOString(),
      threshold: settings.threshold,
      minCoverage: settings.minCoverage,
      vehicles: page.map((figures) => fleetVehicleOf(figures, window)),
      nextCursor:
        rows.length > limit
          ? encodeFleetCursor({
              window,
              threshold,
              filter,
              after: { ratio: last.efficiencyRatio, vehicleId: last.vehicleId },
            })
          : null,
    };
  }
}
