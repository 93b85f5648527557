import 'reflect-metadata';
import dotenv from 'dotenv';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config/config';
import { clientConfig, type ConnectionTarget } from '../../src/db/data-source';
import { createLogger } from '../../src/logger';
import { createBenchDatabase, openServer, startBaseline, startService } from './environment';
import { BATCH_CLIENTS, batch, floor, healthz, primeRegisters, single, singleAcross, type PhaseResult } from './phases';
import { ReadingSource, RegisterReadingSource } from './readings';
import { PHASES, renderReport, type PhaseName, type Round } from './report';
import { isolationRun } from './isolation';
import { startKeyedService } from './keyed-service';
import { peakRssDuring } from './rss';
import { compareStream, renderStreamComparison } from './stream-comparison';
import { runBench, Teardown } from './teardown';

/**
 * Rounds interleave the phases so that a host stall hurts one round of each rather than all of one phase;
 * each round starts further along the list, so that no phase always follows the same one (the floor,
 * say, which leaves PostgreSQL busy with the pages it filled).
 */
const PLANS = { full: { rounds: 3, seconds: 10 }, quick: { rounds: 1, seconds: 2 } };
type Mode = keyof typeof PLANS;
const WARM_UP_SECONDS = 1;
/** Service settings worth knowing when reading a result; unset means the service default. */
const SETTINGS = ['DB_POOL_MAX', 'INGEST_GROUP_COMMIT_MS', 'INGEST_GROUP_COMMIT_MAX'];
/**
 * The two phases on the keyed service are compared with each other: they swap places every other
 * round, so that neither always runs second, after its twin has warmed the service and filled pages.
 */
const PAIRED = ['single-fleet-key', 'single-device-token'] as const;
/** A difference of a few percent needs more rounds than the main run to stand out from the noise. */
const STREAM_ROUNDS = { full: 5, quick: 1 };

function gitRevision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(teardown: Teardown): Promise<number> {
  const started = new Date();
  const mode: Mode = process.argv.includes('--quick') ? 'quick' : 'full';
  const plan = PLANS[mode];
  dotenv.config({ quiet: true });
  // With no database configured, an embedded server of the bench's own, apart from `npm start`'s and the tests'.
  const config = loadConfig({ ...process.env, EMBEDDED_PG_DIR: 'data/postgres-bench', EMBEDDED_PG_PORT: '54359' });

  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const server = await openServer(config, createLogger({ logLevel: 'warn' }), teardown.defer);
  const target = await createBenchDatabase(server, teardown.defer);
  const environment = (version: string) => [
    `revision ${gitRevision()}, Node ${process.version}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `PostgreSQL ${version} (${config.database.kind === 'embedded' ? 'embedded' : 'configured'} server), fresh database`,
    `service settings: ${SETTINGS.map((key) => `${key}=${process.env[key] || 'default'}`).join(', ')}`,
  ];
  if (process.argv.includes('--stream')) return streamRun(teardown, target, mode, started, environment);
  if (process.argv.includes('--isolation')) {
    const { table, missed, postgres } = await isolationRun(target, mode, teardown.defer);
    const heading = `Ingestion beside stalled readers and upkeep, ${started.toISOString()}`;
    const context = [`\`npm run bench -- --isolation${mode === 'quick' ? ' --quick' : ''}\``, ...environment(postgres)];
    const markdown = [`# ${heading}`, '', ...context.map((line) => `- ${line}`), '', ...table, ''].join('\n');
    return reported('ingest-isolation', started, mode, markdown, missed);
  }
  // The service first: it migrates the database the naive baseline writes to.
  const service = await startService(target, teardown.defer);
  // A second process of the service over the same database, for what using both cores would give.
  const second = await startService(target, teardown.defer);
  const nodeHttp = await startBaseline('baseline-node-http.ts', teardown.defer);
  const naive = await startBaseline('baseline-naive-express.ts', teardown.defer, target);
  const pool = new Pool({ ...clientConfig(target), max: BATCH_CLIENTS });
  teardown.defer('close the floor pool', () => pool.end());

  const source = new ReadingSource();
  // The register phase's fleet of its own: the other phases' readings stay what they were.
  const registerSource = new RegisterReadingSource();
  const keyed = await startKeyedService(server, source, teardown.defer);
  const onService = async (run: () => Promise<PhaseResult>, pids = [service.pid]): Promise<PhaseResult> => {
    const { result, peakMb } = await peakRssDuring(pids, run);
    return { ...result, serviceRssMb: peakMb };
  };
  const runners: Record<PhaseName, (seconds: number) => Promise<PhaseResult>> = {
    single: (seconds) => onService(() => single({ url: service.url, source, seconds })),
    'single-fleet-key': (seconds) =>
      onService(() => single({ url: keyed.url, source, seconds, authorization: keyed.fleetKey }), [keyed.pid]),
    'single-device-token': (seconds) =>
      onService(() => single({ url: keyed.url, source, seconds, authorization: keyed.deviceToken }), [keyed.pid]),
    'single-x2': (seconds) =>
      onService(() => singleAcross([service.url, second.url], { source, seconds }), [service.pid, second.pid]),
    batch: (seconds) => onService(() => batch({ url: service.url, source, seconds })),
    'batch-registers': (seconds) => onService(() => batch({ url: service.url, source: registerSource, seconds })),
    healthz: (seconds) => onService(() => healthz({ url: service.url, seconds })),
    floor: (seconds) => floor({ pool, source, seconds }),
    'node-http': (seconds) => single({ url: nodeHttp.url, source, seconds }),
    'naive-express': (seconds) => single({ url: naive.url, source, seconds }),
  };
  await primeRegisters(service.url, registerSource);
  // Unrecorded: whichever phase came first would otherwise meet a server whose code is not compiled yet.
  for (const name of PHASES) await runners[name](WARM_UP_SECONDS);
  const stride = Math.ceil(PHASES.length / plan.rounds);
  const rounds: Round[] = [];
  for (let index = 0; index < plan.rounds; index++) {
    const first = (index * stride) % PHASES.length;
    const round = {} as Round;
    const order = [...PHASES.slice(first), ...PHASES.slice(0, first)];
    const [a, b] = PAIRED.map((name) => order.indexOf(name));
    if (index % 2 === 1) [order[a], order[b]] = [order[b], order[a]];
    for (const name of order) {
      round[name] = await runners[name](plan.seconds);
      console.error(`bench: round ${index + 1}/${plan.rounds} ${name}: ${Math.round(round[name].readingsPerSecond)}/s`);
    }
    rounds.push(round);
  }

  const postgres = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  const { markdown, missed } = renderReport({
    title: `Ingestion benchmark, ${started.toISOString()}`,
    context: [
      mode === 'quick'
        ? `\`npm run bench:quick\`: a smoke test, ${plan.seconds} s per phase; targets are shown, not enforced`
        : `\`npm run bench\`: ${plan.rounds} rounds of ${plan.seconds} s per phase, the order shifted each round, medians reported`,
      ...environment(postgres),
    ],
    rounds,
  });
  return reported('ingest', started, mode, markdown, missed);
}

/** Prints the report, keeps it under results/ and turns missed targets into the exit code. */
function reported(name: string, started: Date, mode: Mode, markdown: string, missed: string[]): number {
  console.log(markdown);
  // A quick run is a smoke test: its numbers are kept out of the committed results (*.tmp is ignored).
  const stamp = started
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const file = path.join('tools', 'bench', 'results', `${name}-${stamp}.${mode === 'quick' ? 'tmp' : 'md'}`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  console.error(`bench: written to ${file}`);
  if (mode === 'quick' || missed.length === 0) return 0;
  console.error(`bench: targets missed: ${missed.join('; ')}`);
  return 1;
}

/**
 * `--stream`: the same ingestion with the live stream off and on, two services over one database,
 * no client following the stream. Both take readings from one source, so every reading is new to both.
 */
async function streamRun(
  teardown: Teardown,
  target: ConnectionTarget,
  mode: Mode,
  started: Date,
  environment: (postgres: string) => string[],
): Promise<number> {
  const services = {
    off: await startService(target, teardown.defer, { STREAM_ENABLED: 'false' }),
    on: await startService(target, teardown.defer, { STREAM_ENABLED: 'true' }),
  };
  const pool = new Pool({ ...clientConfig(target), max: 1 });
  teardown.defer('close the pool', () => pool.end());
  const source = new ReadingSource();
  const seconds = PLANS[mode].seconds;
  const rounds = await compareStream(
    { off: { url: services.off.url, source, seconds }, on: { url: services.on.url, source, seconds } },
    STREAM_ROUNDS[mode],
    (line) => console.error(`bench: ${line}`),
  );
  const postgres = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  const { markdown, missed } = renderStreamComparison(
    `Ingestion with the live stream off and on, ${started.toISOString()}`,
    [
      `\`npm run bench -- --stream${mode === 'quick' ? ' --quick' : ''}\`: ${STREAM_ROUNDS[mode]} rounds of ${PLANS[mode].seconds} s per phase and setting, medians reported`,
      ...environment(postgres),
    ],
    rounds,
  );
  return reported('ingest-stream', started, mode, markdown, missed);
}

runBench(main);
