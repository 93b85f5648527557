// The JSON this page reads, as the OpenAPI document at /openapi.json describes it. Only the shapes the
// page uses; the server's classes carry decorators and Node types a browser build cannot take in.

export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
}

export interface VehiclePerformance {
  vehicleId: string;
  periodStart: string;
  periodEnd: string;
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  kwhDeliveredDcOutsideSessions: number;
  efficiencyRatio: number | null;
  averageBatteryTemp: number | null;
  recordCount: number;
  meterIds: string[];
  lowEfficiency: boolean;
  dataQuality: string[];
}

export interface FleetEfficiencyPage {
  periodStart: string;
  periodEnd: string;
  threshold: number;
  vehicles: VehiclePerformance[];
  nextCursor: string | null;
}

export interface MeterStatus {
  meterId: string;
  kwhConsumedAc: number;
  voltage: number;
  timestamp: string;
}

export interface VehicleStatus {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  batteryTemp: number;
  timestamp: string;
}

export interface CurrentSession {
  id: string;
  meterId: string;
  startedAt: string;
}

export interface VehicleListEntry extends VehicleStatus {
  currentSession: CurrentSession | null;
}

export interface MeterStatusPage {
  meters: MeterStatus[];
  nextCursor: string | null;
}

export interface VehicleStatusPage {
  vehicles: VehicleListEntry[];
  nextCursor: string | null;
}

export interface VehicleSeriesPoint {
  start: string;
  end: string;
  readings: number;
  kwh: number;
  socAvg: number | null;
  batteryTempAvg: number | null;
  kwhConsumedAc: number;
  efficiencyRatio: number | null;
}

export interface VehicleSeries {
  vehicleId: string;
  bucket: string;
  points: VehicleSeriesPoint[];
}

export interface SessionView {
  id: string;
  vehicleId: string;
  meterId: string;
  startedAt: string;
  endedAt: string | null;
}

/** `event: reading` on GET /v1/stream. */
export type StreamReading = ({ type: 'meter' } & MeterStatus) | ({ type: 'vehicle' } & VehicleStatus);

/** `event: low-efficiency` on GET /v1/stream: a session closed with a ratio below the threshold. */
export interface LowEfficiencyEvent {
  sessionId: string;
  vehicleId: string;
  meterId: string;
  startedAt: string;
  endedAt: string;
  efficiencyRatio: number;
  threshold: number;
}
