import { parseArgs } from 'node:util';
import { ID_PATTERN } from '../../src/validation/rules';
import { timestampProblem, toDate } from '../../src/validation/timestamp';
import { INTERVAL_MS } from './fleet-model';
import type { RegisterSpec } from './registers';
import type { Pace, SendMode, SimulationOptions } from './simulate';

export const USAGE = `Plays a fleet of meters and vehicles against a running Fleet Platform service.

npm run simulate -- [options]
  --url <url>              service to target (default http://localhost:3000)
  --api-key <key>          sent as Authorization: Bearer <key>; once the service has keys this must
                           be an admin key (readings need ingest, sessions admin, --report read).
                           FLEET_API_KEY in the environment does the same and stays out of ps.
                           With an admin key the fleet is imported first and each device posts its
                           readings with a token of its own (kept in memory, never printed)
  --no-device-tokens       post every reading with the key instead
  --meters <n>             meters, one charger each (default 20)
  --vehicles <n>           vehicles; each plugs into whichever charger is free (default 20)
  --faulty <share>         share of vehicles losing energy, e.g. 5% or 0.05 (default 5%)
  --faulty-chargers <share>
                           share of chargers losing energy, whichever vehicle they feed (default 0)
  --duration <d>           simulated time, e.g. 90m, 6h, 2d (default 1h)
  --start <iso>            simulated start with a zone (default: now minus the duration)
  --speed <x>              simulated minutes per real minute (default 60)
  --rate <n>               readings per real second instead of --speed
  --as-fast-as-possible    no pacing at all
  --mode <m>               batch | single | mixed (meters batched, vehicles single) (default batch)
  --batch-size <n>         readings per batch (default 500)
  --concurrency <n>        requests in flight at most (default 4)
  --late <share>           readings held back and sent later (default 1%)
  --retries <share>        readings sent twice (default 1%)
  --loss <share>           readings lost on the way, never sent nor retried (default 0)
  --registers              every device sends its cumulative energy counter (kwhRegisterAc,
                           kwhRegisterDc) instead of each minute's energy; a session's last reading
                           is then never lost, only late (its device queues it until delivered)
  --resets <share>         with --registers: devices whose counter resets to 0 or is replaced by a
                           new one during the run, or with --register-width rolls over (default 0)
  --register-width <kWh>   with --registers: the counters' width, where they wrap to 0, as the
                           service's REGISTER_ROLLOVER_KWH (at least 10000; default: no wrap)
  --seed <n>               replays the same fleet (default: random, printed)
  --prefix <p>             device id prefix, to keep runs apart (default SIM)
  --report                 then ask which vehicles the service flags, which vehicles and chargers
                           it suspects and which vehicles it raises low-efficiency alarms for,
                           against the faulty ones
  --threshold <r>          ratio below which --report expects a flag (default 0.85)
  --max-power <kW>         the service's MAX_POWER_KW: with --registers, --report checks through the
                           CSV export that no derived interval energy is beyond it (default 1000)
  --alarm-sessions <n>     the service's ALARM_LOW_EFFICIENCY_SESSIONS: the complete sessions a
                           faulty vehicle needs before --report expects an alarm (default 2)
  --alarm-wait <d>         how long the open alarms must stay unchanged before --report judges
                           them, e.g. 30s or 7m: longer than the service's ROLLUP_SEAL_INTERVAL_MS
                           and ALARM_CHECK_INTERVAL_MS together (default 7m; three times as long at
                           most, then the report fails); 0s judges them at once
  --no-alarms              leave the alarms out of --report, for a service that does not check them`;

const FLAGS = {
  url: { type: 'string', default: 'http://localhost:3000' },
  'api-key': { type: 'string' },
  'no-device-tokens': { type: 'boolean', default: false },
  meters: { type: 'string', default: '20' },
  vehicles: { type: 'string', default: '20' },
  faulty: { type: 'string', default: '5%' },
  'faulty-chargers': { type: 'string', default: '0' },
  duration: { type: 'string', default: '1h' },
  start: { type: 'string' },
  speed: { type: 'string' },
  rate: { type: 'string' },
  'as-fast-as-possible': { type: 'boolean', default: false },
  mode: { type: 'string', default: 'batch' },
  'batch-size': { type: 'string', default: '500' },
  concurrency: { type: 'string', default: '4' },
  late: { type: 'string', default: '1%' },
  retries: { type: 'string', default: '1%' },
  loss: { type: 'string', default: '0' },
  registers: { type: 'boolean', default: false },
  resets: { type: 'string' },
  'register-width': { type: 'string' },
  seed: { type: 'string' },
  prefix: { type: 'string', default: 'SIM' },
  report: { type: 'boolean', default: false },
  threshold: { type: 'string', default: '0.85' },
  'max-power': { type: 'string', default: '1000' },
  'alarm-sessions': { type: 'string', default: '2' },
  'alarm-wait': { type: 'string', default: '7m' },
  'no-alarms': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

export interface CliPlan {
  url: string;
  apiKey?: string;
  /** Whether to import the fleet and post each device's readings with its own token. */
  deviceTokens: boolean;
  simulation: SimulationOptions;
  report?: { threshold: number; maxPowerKw: number; alarms?: { sessions: number; waitMs: number } };
}

class UsageError extends Error {}

// Ids are at most 64 characters; the prefix leaves room for the device part.
const DEVICE_PREFIX = new RegExp(`(?=^.{1,40}$)${ID_PATTERN.source}`);

function number(flag: string, text: string, min: number, max = Infinity, integer = true): number {
  const value = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const range = max === Infinity ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} ${range}, not "${text}"`);
  }
  return value;
}

/** "5%" or "0.05". */
function share(flag: string, text: string): number {
  return text.endsWith('%') ? number(flag, text.slice(0, -1), 0, 100, false) / 100 : number(flag, text, 0, 1, false);
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m", "6h": a number and one of the `units`, in milliseconds; undefined when it is not that. */
function span(text: string, units: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text);
  return match && units.includes(match[2]) ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

function minutes(text: string): number {
  const value = Math.round((span(text, 'mhd') ?? 0) / UNIT_MS.m);
  if (value < 1)
    throw new UsageError(`--duration must look like 90m, 6h or 2d and last at least a minute, not "${text}"`);
  return value;
}

function alarmWait(text: string): number {
  const value = span(text, 'smh');
  if (value === undefined) throw new UsageError(`--alarm-wait must look like 0s, 30s or 7m, not "${text}"`);
  return value;
}

// Counters start at 5–50 % of the width, far above a minute's energy, so a reset is told from a replacement.
const MIN_REGISTER_WIDTH_KWH = 10_000;
const MAX_REGISTER_KWH = 1_000_000_000;

function registers(values: {
  registers: boolean;
  resets?: string;
  'register-width'?: string;
}): RegisterSpec | undefined {
  if (!values.registers) {
    for (const flag of ['resets', 'register-width'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} only applies with --registers`);
    }
    return undefined;
  }
  const width = values['register-width'];
  return {
    resetShare: share('resets', values.resets ?? '0'),
    ...(width !== undefined && {
      widthKwh: number('register-width', width, MIN_REGISTER_WIDTH_KWH, MAX_REGISTER_KWH, false),
    }),
  };
}

function pace(values: { speed?: string; rate?: string; 'as-fast-as-possible': boolean }): Pace {
  const chosen = [values.speed !== undefined, values.rate !== undefined, values['as-fast-as-possible']].filter(Boolean);
  if (chosen.length > 1) throw new UsageError('choose one of --speed, --rate and --as-fast-as-possible');
  if (values['as-fast-as-possible']) return { kind: 'unpaced' };
  if (values.rate !== undefined)
    return { kind: 'rate', perSecond: number('rate', values.rate, 0.001, Infinity, false) };
  return { kind: 'speed', factor: number('speed', values.speed ?? '60', 0.001, Infinity, false) };
}

export function plan(argv: string[], env: NodeJS.ProcessEnv): CliPlan | 'help' {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const url = new URL(values.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be an http(s) URL');
  const mode = values.mode as SendMode;
  if (!['batch', 'single', 'mixed'].includes(mode)) throw new UsageError('--mode must be batch, single or mixed');
  const duration = minutes(values.duration);
  // Whole minutes keep every timestamp on the minute, like devices reporting on a schedule.
  const startProblem = values.start === undefined ? undefined : timestampProblem(values.start, '--start');
  if (startProblem) throw new UsageError(startProblem);
  const start =
    values.start === undefined
      ? new Date(Math.floor(Date.now() / INTERVAL_MS - duration) * INTERVAL_MS)
      : toDate(values.start);
  if (!DEVICE_PREFIX.test(values.prefix)) {
    throw new UsageError('--prefix must be 1–40 of the characters device ids allow: letters, digits and . _ : -');
  }
  // The flag wins; the environment keeps the key out of the process list.
  const apiKey = values['api-key'] ?? (env.FLEET_API_KEY || undefined);
  return {
    url: values.url,
    apiKey,
    // Only a key can import the fleet; an open service takes readings as they come.
    deviceTokens: apiKey !== undefined && !values['no-device-tokens'],
    simulation: {
      fleet: {
        meters: number('meters', values.meters, 1),
        vehicles: number('vehicles', values.vehicles, 0),
        faultyShare: share('faulty', values.faulty),
        faultyChargerShare: share('faulty-chargers', values['faulty-chargers']),
        start,
        minutes: duration,
        prefix: values.prefix,
      },
      disorder: {
        lateShare: share('late', values.late),
        retryShare: share('retries', values.retries),
        lossShare: share('loss', values.loss),
      },
      seed:
        values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : number('seed', values.seed, 0, 2 ** 32 - 1),
      pace: pace(values),
      mode,
      batchSize: number('batch-size', values['batch-size'], 1),
      concurrency: number('concurrency', values.concurrency, 1, 1_000),
      registers: registers(values),
    },
    report: values.report
      ? {
          threshold: number('threshold', values.threshold, 0, 1, false),
          maxPowerKw: number('max-power', values['max-power'], 0.1, Infinity, false),
          alarms: values['no-alarms']
            ? undefined
            : {
                sessions: number('alarm-sessions', values['alarm-sessions'], 1, 100),
                waitMs: alarmWait(values['alarm-wait']),
              },
        }
      : undefined,
  };
}
