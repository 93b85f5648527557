import type { NodeEnv } from '../config/config';
import type { Role } from '../entities/api-key.entity';

/** Admin is the operator's key: it may do whatever ingest and read keys may, and manage keys. */
export function grants(held: Role, needed: Role): boolean {
  return held === needed || held === 'admin';
}

export interface AuthSettings {
  nodeEnv: NodeEnv;
  disabled: boolean;
}

export type BootDecision = { start: true; warning?: string } | { start: false; reason: string };

/**
 * Production never runs open by accident: with no active key it refuses to start unless auth is
 * explicitly disabled. Elsewhere a fresh install works without ceremony, with a warning.
 */
export function bootDecision(settings: AuthSettings, activeKeys: number): BootDecision {
  if (settings.disabled) {
    return { start: true, warning: 'AUTH_DISABLED=true: every route is open to anyone who can reach the port' };
  }
  if (activeKeys > 0) return { start: true };
  if (settings.nodeEnv === 'production') {
    return {
      start: false,
      reason:
        'NODE_ENV=production needs at least one API key: create one with ' +
        '`npm run keys -- create --role admin --name <who>` (or node dist/src/auth/keys.cli.js in the image), ' +
        'or set AUTH_DISABLED=true to run without keys',
    };
  }
  return {
    start: true,
    warning:
      'no API keys yet: /v1 is open to clients on this machine only (others get 403) until the first key is ' +
      'created (npm run keys -- create ...)',
  };
}
