import type { AnalyticsService, FleetFinding, MeterEfficiencyService } from '../analytics/analytics.public';
import type { Metrics } from '../observability/metrics';
import type { AlarmConditionRepository, SessionVerdict } from './alarm-conditions.repository';
import type { AlarmRepository, NewAlarm } from './alarms.repository';
import { ALARM_TYPES, type AlarmView } from './alarms.responses';
import { StreakSuspects } from './alarm-suspects';
import { dataQualityAlarm, failingWebhookAlarm, lowEfficiencyAlarm, ratiosOf, silentAlarm } from './alarm-wording';

export interface AlarmRules {
  /** ALARM_LOW_EFFICIENCY_SESSIONS */
  sessions: number;
  /** EFFICIENCY_ALERT_THRESHOLD */
  threshold: number;
  /** ALARM_CLEAR_MARGIN */
  clearMargin: number;
  /** MIN_COVERAGE */
  minCoverage: number;
  /** READING_INTERVAL_SECONDS */
  readingIntervalSeconds: number;
  /** ALARM_SILENT_AFTER */
  silentAfterSeconds: number;
}

const HOUR_MS = 3_600_000;
/** Data quality is judged over the day just past: long enough to hold a few sessions, short enough to clear. */
const DATA_QUALITY_WINDOW_MS = 24 * HOUR_MS;
/**
 * Raises, and as many clears, of one type per check: a fleet that falls silent at once (a depot's
 * network down) is alarmed over a few checks, each a bounded burst of short transactions, rather
 * than in one that keeps the maintenance pool and every webhook busy. The rest follow at the next check.
 */
const CHANGES_PER_CHECK = 500;

/** What one check changed. */
export interface CheckReport {
  raised: number;
  cleared: number;
}

interface Plan {
  raise: NewAlarm[];
  clear: Array<{ id: string; note: string }>;
}

const keyOf = (type: string, kind: string, id: string) => `${type} ${kind} ${id}`;

/**
 * Raises and clears alarms from what the readings, sessions and analytics say now. It keeps no state
 * of its own between checks: every replica may run it, and a check that races another one raises
 * nothing twice (the database keeps one open alarm per subject and type) and clears nothing twice.
 */
export class AlarmCheck {
  constructor(
    private readonly conditions: AlarmConditionRepository,
    private readonly store: AlarmRepository,
    private readonly analytics: AnalyticsService,
    private readonly meters: MeterEfficiencyService,
    private readonly rules: AlarmRules,
    private readonly metrics: Metrics,
    /** Told after changes have committed, so their deliveries start at once. */
    private readonly changed: () => void = () => undefined,
  ) {}

  async check(signal?: AbortSignal): Promise<CheckReport> {
    const open = new Map(
      (await this.store.open()).map((alarm) => [keyOf(alarm.type, alarm.subject.kind, alarm.subject.id), alarm]),
    );
    const now = new Date();
    const findings = await this.analytics.fleetFindings({
      from: new Date(now.getTime() - DATA_QUALITY_WINDOW_MS),
      to: now,
    });
    const plans = [
      await this.lowEfficiency(open, now),
      await this.silence(open),
      this.dataQuality(open, findings, now),
      await this.failingWebhooks(open),
    ];
    const report = { raised: 0, cleared: 0 };
    // One change that fails (its transaction refused) is left for the next check; the others go on.
    const failures: unknown[] = [];
    const attempt = async (change: () => Promise<unknown>, counted: 'raised' | 'cleared') => {
      if (signal?.aborted) return;
      try {
        if (await change()) report[counted]++;
      } catch (error) {
        failures.push(error);
      }
    };
    for (const plan of plans) {
      for (const alarm of plan.raise.slice(0, CHANGES_PER_CHECK))
        await attempt(() => this.store.raise(alarm), 'raised');
      for (const { id, note } of plan.clear.slice(0, CHANGES_PER_CHECK)) {
        await attempt(() => this.store.clear(id, note), 'cleared');
      }
    }
    if (report.raised + report.cleared > 0) this.changed();
    await this.countOpen();
    if (failures.length > 0) {
      throw new AggregateError(
        failures,
        `${failures.length} alarm changes failed (${report.raised} raised, ${report.cleared} cleared)`,
      );
    }
    return report;
  }

  private async countOpen(): Promise<void> {
    const counts = new Map((await this.store.openByType()).map(({ type, open }) => [type, open]));
    for (const type of ALARM_TYPES) this.metrics.alarmsOpen.set({ type }, counts.get(type) ?? 0);
  }

  /** Raised on a streak below the threshold, cleared on one above it plus the margin; in between, left as is. */
  private async lowEfficiency(open: Map<string, AlarmView>, now: Date): Promise<Plan> {
    const { sessions, threshold, clearMargin } = this.rules;
    const streaks = new Map((await this.conditions.streaks({ ...this.rules, sessions })).map((s) => [s.vehicleId, s]));
    const alarms = [...open.values()].filter((alarm) => alarm.type === 'low-efficiency');
    const raising = [...streaks.values()].filter(
      (s) => s.low && !open.has(keyOf('low-efficiency', 'vehicle', s.vehicleId)),
    );
    const suspects = new StreakSuspects(this.meters, now);
    for (const alarm of alarms) {
      const suspect = await suspects.of(alarm.subject.id, alarm.details.sessions as SessionVerdict[]);
      if (JSON.stringify(suspect) !== JSON.stringify(alarm.suspect)) await this.store.suspect(alarm.id, suspect);
    }
    const raise: NewAlarm[] = [];
    for (const streak of raising.slice(0, CHANGES_PER_CHECK)) {
      const suspect = await suspects.of(streak.vehicleId, streak.sessions);
      raise.push(lowEfficiencyAlarm(streak, threshold, clearMargin, suspect));
    }
    return {
      raise,
      clear: alarms.flatMap((alarm) => {
        const streak = streaks.get(alarm.subject.id);
        if (!streak?.fine) return [];
        const reached = Math.round((threshold + clearMargin) * 1000) / 1000;
        return [
          {
            id: alarm.id,
            note: `Its last ${sessions} complete sessions reached ${reached} or more: ${ratiosOf(streak)}.`,
          },
        ];
      }),
    };
  }

  private async silence(open: Map<string, AlarmView>): Promise<Plan> {
    const silent = await this.conditions.silent(this.rules.silentAfterSeconds, this.rules.readingIntervalSeconds);
    const quiet = new Set(silent.map((device) => `${device.kind} ${device.id}`));
    return {
      raise: silent.filter((device) => !open.has(keyOf('device-silent', device.kind, device.id))).map(silentAlarm),
      clear: [...open.values()]
        .filter((alarm) => alarm.type === 'device-silent' && !quiet.has(`${alarm.subject.kind} ${alarm.subject.id}`))
        .map((alarm) => ({ id: alarm.id, note: 'A recent reading arrived, or the device was decommissioned.' })),
    };
  }

  private dataQuality(open: Map<string, AlarmView>, findings: FleetFinding[], now: Date): Plan {
    const flagged = new Map(findings.filter((f) => f.dataQuality.length > 0).map((f) => [f.vehicleId, f]));
    const from = new Date(now.getTime() - DATA_QUALITY_WINDOW_MS);
    return {
      raise: [...flagged.values()]
        .filter((finding) => !open.has(keyOf('data-quality', 'vehicle', finding.vehicleId)))
        .map((finding) => dataQualityAlarm(finding, { from, to: now })),
      clear: [...open.values()]
        .filter((alarm) => alarm.type === 'data-quality' && !flagged.has(alarm.subject.id))
        .map((alarm) => ({ id: alarm.id, note: 'No data-quality flag over the last 24 hours.' })),
    };
  }

  private async failingWebhooks(open: Map<string, AlarmView>): Promise<Plan> {
    const failing = await this.conditions.failingWebhooks();
    const ids = new Set(failing.map((endpoint) => endpoint.id));
    return {
      raise: failing
        .filter((endpoint) => !open.has(keyOf('webhook-failing', 'webhook', endpoint.id)))
        .map(failingWebhookAlarm),
      clear: [...open.values()]
        .filter((alarm) => alarm.type === 'webhook-failing' && !ids.has(alarm.subject.id))
        .map((alarm) => ({ id: alarm.id, note: 'A delivery succeeded, or the endpoint was disabled or deleted.' })),
    };
  }
}
