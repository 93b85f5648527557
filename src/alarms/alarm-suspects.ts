import {
  MAX_WINDOW_HOURS,
  type MeterEfficiency,
  type MeterEfficiencyService,
  type Window,
} from '../analytics/analytics.public';
import type { SessionVerdict } from './alarm-conditions.repository';
import type { AlarmSuspect } from './alarms.responses';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A suspect is judged on the week before a streak as well: the van may have shown it was fine elsewhere then. */
const EVIDENCE_BEFORE_MS = 7 * DAY_MS;

/**
 * Who the analytics blame for low streaks, for one check: each charger a streak was on is looked at as
 * its meter view shows it, over the streak and the week before it up to now. The van is the suspect
 * when any of those views suspects it; a charger when every one of them is suspected and the van was
 * low there. Each meter's view is kept for the rest of the check: windows start on a whole day, so the
 * alarms of the same days share them.
 */
export class StreakSuspects {
  private readonly views = new Map<string, Promise<MeterEfficiency>>();

  constructor(
    private readonly meters: MeterEfficiencyService,
    private readonly now: Date,
  ) {}

  async of(vehicleId: string, sessions: SessionVerdict[]): Promise<AlarmSuspect | null> {
    const oldest = Math.min(...sessions.map((session) => Date.parse(session.startedAt)));
    const from = Math.floor((oldest - EVIDENCE_BEFORE_MS) / DAY_MS) * DAY_MS;
    const earliest = this.now.getTime() - MAX_WINDOW_HOURS * HOUR_MS;
    const window: Window = { from: new Date(Math.max(from, earliest)), to: this.now };
    const meterIds = [...new Set(sessions.map((session) => session.meterId))];
    const rows = [];
    for (const meterId of meterIds) {
      const view = await this.view(meterId, window);
      rows.push(view.vehicles.find((row) => row.vehicleId === vehicleId));
    }
    const blamed = rows.find((row) => row?.suspect === 'vehicle');
    if (blamed) return { kind: 'vehicle', id: vehicleId, reason: blamed.suspectReason ?? '' };
    if (!rows.every((row) => row?.suspect === 'charger')) return null;
    return {
      kind: 'charger',
      id: meterIds.length === 1 ? meterIds[0] : null,
      // The meter's view speaks of "here": the alarm names the charger it means.
      reason: rows.map((row, i) => `On charger ${meterIds[i]}: ${row?.suspectReason}`).join(' '),
    };
  }

  private view(meterId: string, window: Window): Promise<MeterEfficiency> {
    const key = `${meterId} ${window.from.toISOString()}`;
    let view = this.views.get(key);
    if (!view) this.views.set(key, (view = this.meters.meterEfficiency(meterId, window)));
    return view;
  }
}
