import type { FleetFinding } from '../analytics/analytics.public';
import type { Window } from '../analytics/analytics.public';
import type { FailingWebhook, SilentDevice, Streak } from './alarm-conditions.repository';
import type { NewAlarm } from './alarms.repository';
import type { AlarmSuspect } from './alarms.responses';

// Each alarm as an operator reads it: the condition in a sentence, and the figures behind it.

const MEANING: Record<string, string> = {
  'dc-exceeds-ac': 'more DC than AC, which no charger can give',
  'incomplete-ac': 'too few meter readings',
  'incomplete-dc': 'too few vehicle readings',
  'no-session': 'DC taken with no charging session to say from which meter',
};

const thousandths = (value: number) => Math.round(value * 1000) / 1000;

/** `0.781 (M004), 0.776 (M004)`: a streak's ratios, newest first, with where each was charged. */
export const ratiosOf = (streak: Streak): string =>
  streak.sessions.map((session) => `${session.efficiencyRatio.toFixed(3)} (${session.meterId})`).join(', ');

export function lowEfficiencyAlarm(
  streak: Streak,
  threshold: number,
  clearMargin: number,
  suspect: AlarmSuspect | null,
): NewAlarm {
  return {
    type: 'low-efficiency',
    subject: { kind: 'vehicle', id: streak.vehicleId },
    summary:
      `Vehicle ${streak.vehicleId} charged below ${threshold} in its last ${streak.sessions.length} complete ` +
      `sessions: ${ratiosOf(streak)}.`,
    details: { threshold, clearAt: thousandths(threshold + clearMargin), sessions: streak.sessions },
    suspect,
  };
}

export function silentAlarm(device: SilentDevice): NewAlarm {
  const minutes = Math.round(device.silentAfterSeconds / 60);
  return {
    type: 'device-silent',
    subject: { kind: device.kind, id: device.id },
    summary:
      `${device.kind === 'meter' ? 'Meter' : 'Vehicle'} ${device.id} has sent no reading since ` +
      `${device.lastReadingAt.toISOString()} (silent after ${minutes} min).`,
    details: { lastReadingAt: device.lastReadingAt.toISOString(), silentAfterSeconds: device.silentAfterSeconds },
    suspect: null,
  };
}

export function dataQualityAlarm(finding: FleetFinding, window: Window): NewAlarm {
  const flags = finding.dataQuality;
  return {
    type: 'data-quality',
    subject: { kind: 'vehicle', id: finding.vehicleId },
    summary:
      `Vehicle ${finding.vehicleId}'s figures over the last 24 hours cannot be trusted: ` +
      `${flags.map((flag) => `${flag} (${MEANING[flag] ?? flag})`).join('; ')}.`,
    details: { flags, from: window.from.toISOString(), to: window.to.toISOString() },
    suspect: null,
  };
}

/**
 * Named by its id, description and origin only: alarms are read with the read role and sent to every
 * other endpoint, and a URL's path or query may carry the receiver's own token.
 */
export function failingWebhookAlarm(endpoint: FailingWebhook): NewAlarm {
  const { origin } = new URL(endpoint.url);
  const named = endpoint.description === null ? origin : `"${endpoint.description}" (${origin})`;
  return {
    type: 'webhook-failing',
    subject: { kind: 'webhook', id: endpoint.id },
    summary: `Webhook endpoint ${named} has taken no delivery since ${endpoint.failingSince.toISOString()}.`,
    details: { origin, description: endpoint.description, failingSince: endpoint.failingSince.toISOString() },
    suspect: null,
  };
}
