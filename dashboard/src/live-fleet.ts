import { allPages } from './api';
import type {
  AlarmEvent,
  CurrentSession,
  MeterStatus,
  MeterStatusPage,
  StreamReading,
  VehicleListEntry,
  VehicleStatus,
  VehicleStatusPage,
} from './api-types';
import { followStream, type StreamState } from './sse';
import type { ServerEvent } from './sse-parser';

export type LiveChange =
  | { kind: 'snapshot' }
  | { kind: 'reading'; reading: StreamReading }
  /** An alarm was raised, acknowledged or cleared. */
  | { kind: 'alarm'; event: AlarmEvent }
  /**
   * Figures over a window moved without an alarm changing: a session closed below the threshold (the
   * stream's `low-efficiency` event; an alarm waits for more than one), or events were missed.
   */
  | { kind: 'figures' }
  | { kind: 'state'; state: StreamState; detail?: string };

const PAGE = 1_000;

/**
 * The newest reading of every device: a snapshot from GET /v1/meters and /v1/vehicles, then kept up to
 * date from GET /v1/stream. One stream per tab, shared by whichever view is showing.
 */
export class LiveFleet {
  readonly meters = new Map<string, MeterStatus>();
  readonly vehicles = new Map<string, VehicleListEntry>();
  state: StreamState = 'connecting';
  stateDetail?: string;
  private readonly listeners = new Set<(change: LiveChange) => void>();
  private loaded?: Promise<void>;

  subscribe(listener: (change: LiveChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Follows the stream and loads the snapshot beside it, once per tab; later calls wait for the same
   * snapshot. Both keep the newest reading per device, so neither can hide what the other brought.
   */
  start(): Promise<void> {
    if (!this.loaded) {
      const handlers = { onEvent: (event: ServerEvent) => this.receive(event), onState: this.setState.bind(this) };
      void followStream('/v1/stream', handlers);
      this.loaded = this.reload();
    }
    return this.loaded;
  }

  async reload(): Promise<void> {
    const [meterPages, vehiclePages] = await Promise.all([
      allPages<MeterStatusPage>('/v1/meters', { limit: PAGE }),
      allPages<VehicleStatusPage>('/v1/vehicles', { limit: PAGE }),
    ]);
    for (const meter of meterPages.flatMap((page) => page.meters)) this.keepMeter(meter);
    // The list knows each vehicle's current session, which no reading carries.
    for (const { currentSession, ...vehicle } of vehiclePages.flatMap((page) => page.vehicles)) {
      this.keepVehicle(vehicle, currentSession);
    }
    this.emit({ kind: 'snapshot' });
  }

  private receive(event: ServerEvent): void {
    if (event.event === 'reading') this.applyReading(JSON.parse(event.data) as StreamReading);
    else if (event.event === 'alarm') this.emit({ kind: 'alarm', event: JSON.parse(event.data) as AlarmEvent });
    else if (event.event === 'low-efficiency') this.emit({ kind: 'figures' });
    // Events were missed (the server no longer holds them): the snapshot is the way back to the truth, and
    // whatever shows alarms or figures reads them again, as an alarm may have changed in the gap.
    else if (event.event === 'reset') {
      this.emit({ kind: 'figures' });
      this.reload().catch((error: unknown) => this.setState('retrying', String(error)));
    }
  }

  private applyReading(reading: StreamReading): void {
    const { type, ...status } = reading;
    const kept = type === 'meter' ? this.keepMeter(status as MeterStatus) : this.keepVehicle(status as VehicleStatus);
    if (kept) this.emit({ kind: 'reading', reading });
  }

  /** Like the live table on the server: a reading older than the one shown does not replace it. */
  private keepMeter(meter: MeterStatus): boolean {
    const known = this.meters.get(meter.meterId);
    if (known && Date.parse(known.timestamp) > Date.parse(meter.timestamp)) return false;
    this.meters.set(meter.meterId, meter);
    return true;
  }

  /** `session` undefined: unknown here (a reading), so the vehicle keeps the one it had. */
  private keepVehicle(vehicle: VehicleStatus, session?: CurrentSession | null): boolean {
    const known = this.vehicles.get(vehicle.vehicleId);
    const newer = !known || Date.parse(known.timestamp) <= Date.parse(vehicle.timestamp);
    const currentSession = session === undefined ? (known?.currentSession ?? null) : session;
    this.vehicles.set(vehicle.vehicleId, { ...(newer ? vehicle : known), currentSession });
    return newer;
  }

  private setState(state: StreamState, detail?: string): void {
    this.state = state;
    this.stateDetail = detail;
    this.emit({ kind: 'state', state, detail });
  }

  private emit(change: LiveChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

export const liveFleet = new LiveFleet();
