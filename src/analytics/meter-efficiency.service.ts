import { NotFoundError } from '../errors/problem';
import type { Window } from './analytics.dto';
import type { FiguresSettings } from './analytics.repository';
import type { Suspect } from './analytics.responses';
import type { MeterEfficiencyRepository, MeterVehicleRow } from './meter-efficiency.repository';
import type { MeterEfficiency, MeterVehicle } from './meter-efficiency.responses';
import { suspectReason } from './suspect-reason';

const numberOrNull = (value: string | null) => (value === null ? null : Number(value));

/**
 * Why the charger is suspected: the vehicles low here, and those of them with complete figures at or
 * above the threshold on another meter, each with that meter and ratio.
 */
function chargerReason(meterId: string, rows: MeterVehicleRow[], threshold: number): string {
  const low = rows.filter((row) => row.lowEfficiency);
  const fine = low.flatMap((row) =>
    row.evidence
      .filter((pair) => !pair.low && pair.meterId !== meterId)
      .map((pair) => `${row.vehicleId} ${pair.ratio.toFixed(3)} on ${pair.meterId}`),
  );
  const here = low.map((row) => `${row.vehicleId} ${Number(row.ratio).toFixed(3)}`).join(', ');
  return (
    `Every vehicle that charged here with complete figures was below ${threshold} (${here}); ` +
    `elsewhere ${fine.join(', ')}.`
  );
}

function vehicleOf(meterId: string, row: MeterVehicleRow, threshold: number, rows: MeterVehicleRow[]): MeterVehicle {
  const suspect: Suspect | null = row.vehicleSuspect
    ? 'vehicle'
    : row.chargerSuspect && row.lowEfficiency
      ? 'charger'
      : null;
  return {
    vehicleId: row.vehicleId,
    sessions: row.sessions,
    totalKwhConsumedAc: Number(row.ac),
    totalKwhDeliveredDc: Number(row.dc),
    efficiencyRatio: numberOrNull(row.ratio),
    coverageAc: Number(row.coverageAc),
    coverageDc: Number(row.coverageDc),
    dataQuality: row.dataQuality,
    lowEfficiency: row.lowEfficiency,
    elsewhere: {
      meterIds: row.elsewhereMeterIds,
      totalKwhConsumedAc: Number(row.elsewhereAc),
      totalKwhDeliveredDc: Number(row.elsewhereDc),
      efficiencyRatio: numberOrNull(row.elsewhereRatio),
      lowEfficiency: row.elsewhereLow,
    },
    suspect,
    suspectReason:
      suspect === 'charger' ? chargerReason(meterId, rows, threshold) : suspectReason(suspect, row.evidence),
  };
}

/** A meter's view: which vehicles it fed, how each did here and elsewhere, and whether it is the culprit. */
export class MeterEfficiencyService {
  constructor(
    private readonly repository: MeterEfficiencyRepository,
    private readonly settings: (threshold?: number) => FiguresSettings,
  ) {}

  async meterEfficiency(meterId: string, window: Window, threshold?: number): Promise<MeterEfficiency> {
    const settings = this.settings(threshold);
    const rows = await this.repository.vehicles(meterId, window, settings);
    if (rows.length === 0 && !(await this.repository.meterSeen(meterId))) {
      throw new NotFoundError(`Meter ${meterId} has never reported.`);
    }
    const [first] = rows;
    const chargerSuspect = first?.chargerSuspect ?? false;
    return {
      meterId,
      periodStart: window.from.toISOString(),
      periodEnd: window.to.toISOString(),
      threshold: settings.threshold,
      minCoverage: settings.minCoverage,
      totalKwhConsumedAc: Number(first?.meterAc ?? 0),
      totalKwhDeliveredDc: Number(first?.meterDc ?? 0),
      efficiencyRatio: numberOrNull(first?.meterRatio ?? null),
      coverage: numberOrNull(first?.meterCoverage ?? null),
      suspect: chargerSuspect ? 'charger' : null,
      suspectReason: chargerSuspect ? chargerReason(meterId, rows, settings.threshold) : null,
      vehicles: rows.map((row) => vehicleOf(meterId, row, settings.threshold, rows)),
    };
  }
}
