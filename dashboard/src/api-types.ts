// The JSON this page reads, as the OpenAPI document at /openapi.json describes it. Only the shapes the
// page uses; the server's classes carry decorators and Node types a browser build cannot take in.

export interface Problem {
  title?: string;
  detail?: string;
  status?: number;
}

/**
 * Reasons not to trust a ratio. `incomplete-ac`, `incomplete-dc` and `no-session` mean too few readings to
 * judge the vehicle at all; the others mean readings that contradict each other.
 */
export type DataQualityFlag = 'dc-exceeds-ac' | 'shared-meter' | 'incomplete-ac' | 'incomplete-dc' | 'no-session';

/** Which side the evidence blames for low ratios: the charger (its meter) or the vehicle. */
export type Suspect = 'charger' | 'vehicle';

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
  dataQuality: DataQualityFlag[];
  /** Share (0–1) of the meters' expected readings that arrived over the periods counted; null without any. */
  coverageAc: number | null;
  /** Share (0–1) of the vehicle's expected readings that arrived over the same periods. */
  coverageDc: number | null;
}

export interface FleetVehicle extends VehiclePerformance {
  suspect: Suspect | null;
  /** A sentence naming the evidence (meters and ratios). */
  suspectReason: string | null;
}

export interface FleetEfficiencyPage {
  periodStart: string;
  periodEnd: string;
  threshold: number;
  /** Coverage below this makes a vehicle's figures `incomplete-ac` or `incomplete-dc`. */
  minCoverage: number;
  vehicles: FleetVehicle[];
  nextCursor: string | null;
}

/** The vehicle's sessions on the other meters it charged at in the window. */
export interface ElsewhereFigures {
  meterIds: string[];
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  efficiencyRatio: number | null;
  lowEfficiency: boolean;
}

export interface MeterVehicle {
  vehicleId: string;
  sessions: number;
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  efficiencyRatio: number | null;
  coverageAc: number | null;
  coverageDc: number | null;
  dataQuality: DataQualityFlag[];
  lowEfficiency: boolean;
  elsewhere: ElsewhereFigures;
  suspect: Suspect | null;
  suspectReason: string | null;
}

/** GET /v1/analytics/meters/:meterId/efficiency: a charger judged by every vehicle it fed. */
export interface MeterEfficiency {
  meterId: string;
  periodStart: string;
  periodEnd: string;
  threshold: number;
  minCoverage: number;
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  efficiencyRatio: number | null;
  coverage: number | null;
  suspect: 'charger' | null;
  suspectReason: string | null;
  /** Lowest ratio first. */
  vehicles: MeterVehicle[];
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
  /** Over the bucket's session time; null when the bucket has none. */
  coverageAc: number | null;
  coverageDc: number | null;
}

export interface VehicleSeries {
  vehicleId: string;
  periodStart: string;
  periodEnd: string;
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

export type AlarmType = 'low-efficiency' | 'device-silent' | 'data-quality' | 'webhook-failing';

/** `active` until a person acknowledges it; either clears once the condition is gone. */
export type AlarmState = 'active' | 'acknowledged' | 'cleared';

/** What an alarm is about: a device (whose page the panel links to) or a webhook endpoint. */
export interface AlarmSubject {
  kind: 'meter' | 'vehicle' | 'webhook';
  id: string;
}

/** The side the analytics blame, when they can tell; `id` is the charger's meter or the vehicle. */
export interface AlarmSuspect {
  kind: Suspect;
  id: string | null;
  reason: string;
}

/** GET /v1/alarms/:id without its history, and each entry of GET /v1/alarms. */
export interface AlarmView {
  id: string;
  type: AlarmType;
  subject: AlarmSubject;
  state: AlarmState;
  /** One sentence for a person. */
  summary: string;
  /** Type specific (the sessions of a low-efficiency alarm, a silent device's last reading, …). */
  details: Record<string, unknown>;
  suspect: AlarmSuspect | null;
  raisedAt: string;
  acknowledgedAt: string | null;
  /** The name of the key that acknowledged it; null when the service has no keys. */
  acknowledgedBy: string | null;
  acknowledgeNote: string | null;
  clearedAt: string | null;
}

/** GET /v1/alarms: newest raised first. */
export interface AlarmPage {
  alarms: AlarmView[];
  nextCursor: string | null;
}

/** `event: alarm` on GET /v1/stream (and the body of a webhook delivery): one change of an alarm. */
export interface AlarmEvent {
  type: 'alarm.raised' | 'alarm.acknowledged' | 'alarm.cleared';
  timestamp: string;
  data: AlarmView;
}
