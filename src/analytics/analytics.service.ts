import { NotFoundError } from '../errors/problem';
import { encodeFleetCursor, type FleetQuery, type Window } from './analytics.dto';
import type { AnalyticsRepository, VehicleFigures } from './analytics.repository';
import type { DataQualityFlag, FleetEfficiencyPage, VehiclePerformance } from './analytics.responses';

export type { FleetEfficiencyPage, VehiclePerformance } from './analytics.responses';

export interface AnalyticsOptions {
  /** A ratio below this flags the vehicle; the fleet query may override it. */
  efficiencyAlertThreshold: number;
}

function performanceOf(figures: VehicleFigures, window: Window, threshold: number): VehiclePerformance {
  const { vehicleId, dcExceedsAc, sharedMeter, ...rest } = figures;
  const dataQuality: DataQualityFlag[] = [];
  // A battery cannot take in more than its charger drew: such a ratio is a sign of missing or wrong
  // readings, not of an excellent vehicle, and says nothing about its efficiency either way.
  if (dcExceedsAc) dataQuality.push('dc-exceeds-ac');
  // The meter asked about fed other vehicles and never this one by its sessions: which of its AC was
  // this vehicle's cannot be told, so no ratio of it is one to act on.
  if (sharedMeter && rest.meterIds.length === 0) dataQuality.push('shared-meter');
  return {
    vehicleId,
    periodStart: window.from.toISOString(),
    periodEnd: window.to.toISOString(),
    ...rest,
    // The rounded ratio is what the client sees, so it is also what gets compared.
    lowEfficiency: dataQuality.length === 0 && rest.efficiencyRatio !== null && rest.efficiencyRatio < threshold,
    dataQuality,
  };
}

export class AnalyticsService {
  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly options: AnalyticsOptions,
  ) {}

  async vehiclePerformance(vehicleId: string, window: Window, meterId?: string): Promise<VehiclePerformance> {
    const figures = await this.repository.vehicleFigures(vehicleId, window, meterId);
    // A vehicle with readings in the window has been seen; only an empty window needs the second look.
    if (figures.recordCount === 0 && !(await this.repository.vehicleSeen(vehicleId))) {
      throw new NotFoundError(`Vehicle ${vehicleId} has never reported.`);
    }
    return performanceOf(figures, window, this.options.efficiencyAlertThreshold);
  }

  async fleetEfficiency({ window, threshold, filter, limit, after }: FleetQuery): Promise<FleetEfficiencyPage> {
    const alertBelow = threshold ?? this.options.efficiencyAlertThreshold;
    // One row more than the page tells whether another page follows.
    const rows = await this.repository.fleetFigures(window, { ...filter, threshold: alertBelow }, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      periodStart: window.from.toISOString(),
      periodEnd: window.to.toISOString(),
      threshold: alertBelow,
      vehicles: page.map((figures) => performanceOf(figures, window, alertBelow)),
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
