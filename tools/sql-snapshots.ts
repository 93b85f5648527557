/**
 * Keeps a readable copy of every statement the repositories send under sql/<area>/<name>.sql, so a
 * change to a query shows up in review as a diff of SQL. Run `npx tsx tools/sql-snapshots.ts`
 * (npm run sql:snapshots) after changing one; test/db/sql-snapshots.unit.test.ts fails until then.
 * The repositories stay the only home of their SQL (composed and laid out by src/db/sql.ts): this
 * file only names where each copy goes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ANALYTICS_STATEMENTS } from '../src/analytics/analytics.repository';
import { ROLLUP_STATEMENTS } from '../src/analytics/rollup.repository';
import { SERIES_STATEMENTS } from '../src/analytics/series.repository';
import { CHARGING_SESSION_STATEMENTS } from '../src/charging-sessions/charging-session.repository';
import { EXPORT_STATEMENTS } from '../src/export/export.repository';
import { HEALTH_STATEMENTS } from '../src/health/health.repository';
import { WRITE_STATEMENTS } from '../src/ingestion/ingestion.repository';
import { PARTITION_STATEMENTS } from '../src/partitions/partition.repository';
import { RETENTION_STATEMENTS } from '../src/partitions/retention.repository';
import { STREAM_STATEMENTS } from '../src/stream/stream.repository';

export const SQL_DIR = path.resolve(__dirname, '..', 'sql');
const REFRESH = 'npm run sql:snapshots';

/** Per folder under sql/, the repository the statements come from and the statements by name. */
const AREAS: Record<string, { source: string; statements: Record<string, string> }> = {
  ingestion: {
    source: 'src/ingestion/ingestion.repository.ts',
    statements: { writeMeter: WRITE_STATEMENTS.meter, writeVehicle: WRITE_STATEMENTS.vehicle },
  },
  analytics: { source: 'src/analytics/analytics.repository.ts', statements: ANALYTICS_STATEMENTS },
  rollups: { source: 'src/analytics/rollup.repository.ts', statements: ROLLUP_STATEMENTS },
  'analytics/series': { source: 'src/analytics/series.repository.ts', statements: SERIES_STATEMENTS },
  'charging-sessions': {
    source: 'src/charging-sessions/charging-session.repository.ts',
    statements: CHARGING_SESSION_STATEMENTS,
  },
  export: { source: 'src/export/export.repository.ts', statements: EXPORT_STATEMENTS },
  partitions: { source: 'src/partitions/partition.repository.ts', statements: PARTITION_STATEMENTS },
  'partitions/retention': { source: 'src/partitions/retention.repository.ts', statements: RETENTION_STATEMENTS },
  health: { source: 'src/health/health.repository.ts', statements: HEALTH_STATEMENTS },
  stream: { source: 'src/stream/stream.repository.ts', statements: STREAM_STATEMENTS },
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Every snapshot as it should be, by path relative to sql/. */
export function renderSnapshots(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [area, { source, statements }] of Object.entries(AREAS)) {
    for (const [name, sql] of Object.entries(statements)) {
      const header = `-- ${name} in ${source}; written by tools/sql-snapshots.ts (${REFRESH}), not by hand.`;
      files.set(`${area}/${kebab(name)}.sql`, `${header}\n${sql}\n`);
    }
  }
  return files;
}

/** Every .sql file under sql/ as it is on disk, by path relative to sql/. */
export function readSnapshots(): Map<string, string> {
  const files = new Map<string, string>();
  const entries = readdirSync(SQL_DIR, { recursive: true, encoding: 'utf8' });
  for (const entry of entries.filter((name) => name.endsWith('.sql')).sort()) {
    files.set(entry.split(path.sep).join('/'), readFileSync(path.join(SQL_DIR, entry), 'utf8'));
  }
  return files;
}

/** The snapshots that are missing, differ or no longer belong to any statement; empty when up to date. */
export function staleSnapshots(): string[] {
  const expected = renderSnapshots();
  const actual = readSnapshots();
  const paths = new Set([...expected.keys(), ...actual.keys()]);
  return [...paths].filter((file) => expected.get(file) !== actual.get(file)).sort();
}

export const REFRESH_HINT = `run \`${REFRESH}\` (npx tsx tools/sql-snapshots.ts) and commit sql/ with the repository change`;

function main(): void {
  mkdirSync(SQL_DIR, { recursive: true });
  const expected = renderSnapshots();
  for (const file of readSnapshots().keys()) {
    if (!expected.has(file)) rmSync(path.join(SQL_DIR, file));
  }
  for (const [file, text] of expected) {
    mkdirSync(path.dirname(path.join(SQL_DIR, file)), { recursive: true });
    writeFileSync(path.join(SQL_DIR, file), text);
  }
  console.log(`${expected.size} SQL snapshots written under ${path.relative(process.cwd(), SQL_DIR) || '.'}/`);
}

if (require.main === module) main();
