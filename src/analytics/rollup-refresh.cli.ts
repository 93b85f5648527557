import 'reflect-metadata';
import dotenv from 'dotenv';
import { ConfigError } from '../config/config';
import { withCommandDatabase } from '../db/command-database';
import { RollupRepository, type RefreshedDay } from './rollup.repository';
import { RollupService } from './rollup.service';

const USAGE = `usage: npm run analytics:refresh
  Recomputes every hourly rollup from the history tables, a day at a time, and removes rollup rows
  no reading is behind, for the sealed hours and days; seals the hours and days past since the
  service last did; then recounts the energy each closed charging session carries. Safe while
  readings are ingested: each day holds them back only briefly.
  Needed only after readings reached history without its insert trigger (loaded straight into a
  partition, or by COPY with triggers disabled).`;

const day = (done: RefreshedDay) => done.day.toISOString().slice(0, 10);

/** Progress goes to stderr, the summary to stdout. */
async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    console.error(`unexpected arguments: ${argv.join(' ')}\n${USAGE}`);
    return 2;
  }
  return withCommandDatabase('rollups', async (dataSource, config) => {
    const rollups = new RollupRepository(dataSource, config.db.lockTimeoutMs);
    const refreshed = await rollups.refresh((done) =>
      console.error(`${done.kind} ${day(done)}: ${done.before} rollup rows replaced by ${done.after}`),
    );
    for (const kind of ['meter', 'vehicle'] as const) {
      const days = refreshed.filter((done) => done.kind === kind);
      const before = days.reduce((sum, done) => sum + done.before, 0);
      const after = days.reduce((sum, done) => sum + done.after, 0);
      console.log(`${kind}: ${days.length} days refreshed, ${before} rollup rows before, ${after} after`);
    }
    const sealed = await new RollupService(rollups).seal();
    console.log(`seal: ${sealed ? 'moved up to the current hour and day' : 'already at the current hour and day'}`);
    console.log(`sessions: ${await rollups.recountSessions()} closed sessions recounted`);
    return 0;
  });
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : String(error));
      process.exit(1);
    },
  );
}
