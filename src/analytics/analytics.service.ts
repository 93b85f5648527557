import { NotFoundError } from '../errors/problem';
import { encodeFleetCursor, type FleetQuery, type Window } from './analytics.dto';
import type { AnalyticsRepository, FleetFigures, VehicleFigures } from './analytics.repository';
import type { FleetEfficiencyPage, FleetVehicle, VehiclePerformance } from './analytics.responses';
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

export class AnalyticsService {
  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly options: AnalyticsOptions,
  ) {}

  private settings(threshold = this.options.efficiencyAlertThreshold) {
    return { threshold, minCoverage: this.options.minCoverage, readingIntervalSeconds: this.options.readingIntervalSeconds };
  }

  async vehiclePerformance(vehicleId: string, window: Window, meterId?: string): Promise<VehiclePerformance> {
    const figures = await this.repository.vehicleFigures(vehicleId, window, this.settings(), meterId);
    // A vehicle with readings in the window has been seen; only an empty window needs the second look.
    if (figures.recordCount === 0 && !(await this.repository.vehicleSeen(vehicleId))) {
      throw new NotFoundError(`Vehicle ${vehicleId} has never reported.`);
    }
    return performanceOf(figures, window);
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
