import type { AlarmView } from '../../src/alarms/alarms.responses';
import type { FleetVehicle as ServedFleetVehicle } from '../../src/analytics/analytics.responses';
import type {
  MeterEfficiency as ServedMeterEfficiency,
  MeterVehicle as ServedMeterVehicle,
} from '../../src/analytics/meter-efficiency.responses';
import type { BatchSummary } from '../../src/ingestion/ingestion.service';

// What the service answers, as far as the simulator reads it.

export type BatchAnswer = BatchSummary & { received: number; rejected: number };
export interface SingleAnswer {
  duplicate: boolean;
}

/** POST /v1/devices/import. */
export interface ImportAnswer {
  registered: number;
  devices: Array<{
    id: string;
    state: 'active' | 'decommissioned';
    credential: { token: string } | null;
    error?: string;
  }>;
}

// The report's judges read these few fields of the analytics answers, so that a test can hand them just those.

/** A vehicle in GET /v1/analytics/fleet/efficiency. */
export type FleetVehicle = Pick<
  ServedFleetVehicle,
  'vehicleId' | 'efficiencyRatio' | 'lowEfficiency' | 'dataQuality' | 'suspect' | 'suspectReason'
>;

/** One vehicle's sessions on a meter, in GET /v1/analytics/meters/:meterId/efficiency. */
export type MeterVehicle = Pick<
  ServedMeterVehicle,
  'vehicleId' | 'totalKwhConsumedAc' | 'totalKwhDeliveredDc' | 'coverageAc' | 'coverageDc'
>;

/** GET /v1/analytics/meters/:meterId/efficiency. */
export type MeterEfficiency = Pick<ServedMeterEfficiency, 'meterId' | 'minCoverage' | 'suspect' | 'suspectReason'> & {
  vehicles: MeterVehicle[];
};

/** A `low-efficiency` alarm in GET /v1/alarms, with the streak of sessions it was raised on. */
export type LowEfficiencyAlarm = Pick<AlarmView, 'id' | 'subject' | 'suspect'> & {
  details: { sessions: Array<{ meterId: string; efficiencyRatio: number }> };
};
