import { SingleBar } from 'cli-progress';
import { askAlarms } from './alarm-watch';
import { plan, USAGE, type CliPlan } from './cli-options';
import { issueDeviceTokens } from './device-tokens';
import { fleetDevices, INTERVAL_MS } from './fleet-model';
import { askService, checkEfficiency, formatCheck, formatSummary, type EfficiencyCheck } from './report';
import { checkAlarms, formatAlarms, type AlarmsCheck } from './report-alarms';
import { askExports, checkRegisters, formatRegisters, type RegisterCheck } from './report-registers';
import { checkSuspects, formatSuspects, type SuspectCheck } from './report-suspects';
import { runSimulation, type Progress, type SimulationResult } from './simulate';
import { SimulatorClient } from './simulator.client';

export interface CliOutcome {
  exitCode: number;
  result?: SimulationResult;
  check?: EfficiencyCheck;
  suspects?: SuspectCheck;
  /** With --registers: the interval energy the service derived, read back through the CSV export. */
  registers?: RegisterCheck;
  alarms?: AlarmsCheck;
}

type Output = NodeJS.WritableStream & { isTTY?: boolean };

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
      `(seed ${simulation.seed}, ${simulation.mode} mode${simulation.registers ? ', registers' : ''})\n`,
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
  const { threshold } = cli.report;
  const asked = await askService(client, result, threshold);
  if (!asked.ok) {
    out.write(`Report      ${asked.why}\n`);
    return { exitCode: 1, result };
  }
  const check = checkEfficiency(result, asked.answers.fleet, threshold);
  const suspects = checkSuspects(result, asked.answers.fleet, asked.answers.meters);
  out.write(`${[...formatCheck(check), ...formatSuspects(suspects)].join('\n')}\n`);
  if (!check.matches || !suspects.matches) exitCode = 1;
  let registers: RegisterCheck | undefined;
  if (result.registers) {
    const exported = await askExports(client, result);
    if (!exported.ok) {
      out.write(`Report      ${exported.why}\n`);
      return { exitCode: 1, result, check, suspects };
    }
    registers = checkRegisters(result, exported.exports, cli.report.maxPowerKw);
    out.write(`${formatRegisters(registers).join('\n')}\n`);
    if (!registers.matches) exitCode = 1;
  }
  const watching = cli.report.alarms;
  if (!watching) return { exitCode, result, check, suspects, registers };
  const watched = await askAlarms(client, result, watching.waitMs, (line) => out.write(`${line}\n`));
  if (!watched.ok) {
    out.write(`Report      ${watched.why}\n`);
    return { exitCode: 1, result, check, suspects, registers };
  }
  const alarms = checkAlarms(result, watched.answers, watching.sessions);
  out.write(`${formatAlarms(alarms).join('\n')}\n`);
  if (!alarms.matches) exitCode = 1;
  return { exitCode, result, check, suspects, registers, alarms };
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
