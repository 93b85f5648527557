import { SingleBar } from 'cli-progress';
import { parseArgs } from 'node:util';
import { ID_PATTERN } from '../../src/validation/rules';
import { timestampProblem, toDate } from '../../src/validation/timestamp';
import { issueDeviceTokens } from './device-tokens';
import { fleetDevices, INTERVAL_MS } from './fleet-model';
import { checkEfficiency, formatCheck, formatSummary, type EfficiencyCheck } from './report';
import {
  runSimulation,
  type Pace,
  type Progress,
  type SendMode,
  type SimulationOptions,
  type SimulationResult,
} from './simulate';
import { SimulatorClient } from './simulator.client';

const USAGE = `Plays a fleet of meters and vehicles against a running Fleet Platform service.

npm run simulate -- [options]
  --url <url>              service to target (default http://localhost:3000)
  --api-key <key>          sent as Authorization: Bearer <key>; once the service has keys this must
                           be an admin key (readings need ingest, sessions admin, --report read).
                           FLEET_API_KEY in the environment does the same and stays out of ps.
                           With an admin key the fleet is imported first and each device posts its
                           readings with a token of its own (kept in memory, never printed)
  --no-device-tokens       post every reading with the key instead
  --meters <n>             meters, one charger each (default 20)
  --vehicles <n>           vehicles; vehicle i charges at meter i mod meters (default 20)
  --faulty <share>         share of vehicles losing energy, e.g. 5% or 0.05 (default 5%)
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
  --seed <n>               replays the same fleet (default: random, printed)
  --prefix <p>             device id prefix, to keep runs apart (default SIM)
  --report                 then ask the fleet efficiency endpoint which vehicles it flags
  --threshold <r>          ratio below which --report expects a flag (default 0.85)`;

const FLAGS = {
  url: { type: 'string', default: 'http://localhost:3000' },
  'api-key': { type: 'string' },
  'no-device-tokens': { type: 'boolean', default: false },
  meters: { type: 'string', default: '20' },
  vehicles: { type: 'string', default: '20' },
  faulty: { type: 'string', default: '5%' },
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
  seed: { type: 'string' },
  prefix: { type: 'string', default: 'SIM' },
  report: { type: 'boolean', default: false },
  threshold: { type: 'string', default: '0.85' },
  help: { type: 'boolean', default: false },
} as const;

interface CliPlan {
  url: string;
  apiKey?: string;
  /** Whether to import the fleet and post each device's readings with its own token. */
  deviceTokens: boolean;
  simulation: SimulationOptions;
  report?: { threshold: number };
}

export interface CliOutcome {
  exitCode: number;
  result?: SimulationResult;
  check?: EfficiencyCheck;
}

type Output = NodeJS.WritableStream & { isTTY?: boolean };

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

const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1_440 };

function minutes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text);
  const value = match ? Math.round(Number(match[1]) * UNIT_MINUTES[match[2]]) : 0;
  if (value < 1)
    throw new UsageError(`--duration must look like 90m, 6h or 2d and last at least a minute, not "${text}"`);
  return value;
}

function pace(values: { speed?: string; rate?: string; 'as-fast-as-possible': boolean }): Pace {
  const chosen = [values.speed !== undefined, values.rate !== undefined, values['as-fast-as-possible']].filter(Boolean);
  if (chosen.length > 1) throw new UsageError('choose one of --speed, --rate and --as-fast-as-possible');
  if (values['as-fast-as-possible']) return { kind: 'unpaced' };
  if (values.rate !== undefined)
    return { kind: 'rate', perSecond: number('rate', values.rate, 0.001, Infinity, false) };
  return { kind: 'speed', factor: number('speed', values.speed ?? '60', 0.001, Infinity, false) };
}

function plan(argv: string[], env: NodeJS.ProcessEnv): CliPlan | 'help' {
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
        start,
        minutes: duration,
        prefix: values.prefix,
      },
      disorder: { lateShare: share('late', values.late), retryShare: share('retries', values.retries) },
      seed:
        values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : number('seed', values.seed, 0, 2 ** 32 - 1),
      pace: pace(values),
      mode,
      batchSize: number('batch-size', values['batch-size'], 1),
      concurrency: number('concurrency', values.concurrency, 1, 1_000),
    },
    report: values.report ? { threshold: number('threshold', values.threshold, 0, 1, false) } : undefined,
  };
}

/** A live bar on a terminal; elsewhere (CI logs, files) a line per tenth of the run. */
function progressView(out: Output, start: Date): { update(progress: Progress): void; stop(): void } {
  const simulated = ({ minutesDone }: Progress) => new Date(start.getTime() + minutesDone * INTERVAL_MS).toISOString();
  const payload = (p: Progress) => ({ at: simulated(p), sent: p.sent, stored: p.stored, sessions: p.sessionsOpened });
  if (out.isTTY) {
    const bar = new SingleBar({
      stream: out,
      format: '{bar} {percentage}% | {at} | sent {sent} · stored {stored} · sessions {sessions} | {duration_formatted}',
      hideCursor: true,
    });
    let begun = false;
    return {
      update(p) {
        if (!begun) bar.start(p.minutesTotal, 0, payload(p));
        begun = true;
        bar.update(p.minutesDone, payload(p));
      },
      stop: () => bar.stop(),
    };
  }
  let printedTenth = 0;
  return {
    update(p) {
      const tenth = Math.floor((p.minutesDone * 10) / p.minutesTotal);
      if (tenth <= printedTenth) return;
      printedTenth = tenth;
      const { at, sent, stored, sessions } = payload(p);
      out.write(`progress ${tenth * 10}% simulated ${at} sent ${sent} stored ${stored} sessions ${sessions}\n`);
    },
    stop: () => {},
  };
}

/** The whole CLI, callable in-process; the exit code is non-zero when anything went unacknowledged or mismatched. */
export async function main(
  argv: string[],
  out: Output = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
  err: Output = process.stderr,
): Promise<CliOutcome> {
  let cli: CliPlan | 'help';
  try {
    cli = plan(argv, env);
  } catch (error) {
    out.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return { exitCode: 2 };
  }
  if (cli === 'help') {
    out.write(`${USAGE}\n`);
    return { exitCode: 0 };
  }
  const { simulation } = cli;
  const { fleet } = simulation;
  out.write(
    `Simulating ${fleet.meters} meters and ${fleet.vehicles} vehicles for ${fleet.minutes} min against ${cli.url} ` +
      `(seed ${simulation.seed}, ${simulation.mode} mode)\n`,
  );
  const client = new SimulatorClient({ baseUrl: cli.url, apiKey: cli.apiKey });
  if (!(await client.reachable())) {
    out.write(`Nothing answers GET /healthz at ${cli.url}; start the service (npm start) or pass --url.\n`);
    return { exitCode: 1 };
  }
  if (cli.deviceTokens) {
    const issued = await issueDeviceTokens(client, fleetDevices(fleet));
    client.useDeviceTokens(issued.tokens);
    if (issued.notice) err.write(`${issued.notice}\n`);
    if (issued.tokens.size > 0) {
      out.write(
        `Imported the fleet (${issued.registered} newly registered); ${issued.tokens.size} devices post with their own token\n`,
      );
    }
  }
  const progress = progressView(out, fleet.start);
  const result = await runSimulation(client, simulation, (p) => progress.update(p)).finally(() => progress.stop());
  out.write(`${formatSummary(result).join('\n')}\n`);

  const { readings, sessions } = result;
  let exitCode = readings.failed + readings.rejected + sessions.failed > 0 || result.stoppedEarly ? 1 : 0;
  if (!cli.report) return { exitCode, result };
  const check = await checkEfficiency(client, result, cli.report.threshold);
  if (!check.ok) {
    out.write(`Report      the fleet efficiency endpoint answered ${check.status}\n`);
    return { exitCode: 1, result };
  }
  out.write(`${formatCheck(check.body).join('\n')}\n`);
  if (!check.body.matches) exitCode = 1;
  return { exitCode, result, check: check.body };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    ({ exitCode }) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
