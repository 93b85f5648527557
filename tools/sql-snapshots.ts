/**
 * Keeps a readable copy of every statement the repositories send under sql/<area>/<name>.sql, so a
 * change to a query shows up in review as a diff of SQL. Run `npx tsx tools/sql-snapshots.ts`
 * (npm run sql:snapshots) after changing one; test/db/sql-snapshots.unit.test.ts fails until then.
 * The repositories stay the only home of their SQL (composed and laid out by src/db/sql.ts): this
 * file only names where each copy goes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONDITION_STATEMENTS } from '../src/alarms/alarm-conditions.repository';
import { ALARM_STATEMENTS } from '../src/alarms/alarms.repository';
import { ANALYTICS_STATEMENTS } from '../src/analytics/analytics.repository';
import { METER_EFFICIENCY_STATEMENTS } from '../src/analytics/meter-efficiency.repository';
import { SEAL_STATEMENTS, SESSION_STATEMENTS } from '../src/analytics/rollup-seal.repository';
import { ROLLUP_KINDS, TABLE_STATEMENTS } from '../src/analytics/rollup-tables.repository';
import { SERIES_STATEMENTS } from '../src/analytics/series.repository';
import { CHARGING_SESSION_STATEMENTS } from '../src/charging-sessions/charging-sessions.repository';
import { AUTH_STATEMENTS } from '../src/auth/auth.repository';
import { CREDENTIAL_USE_STATEMENTS } from '../src/auth/credential-use.repository';
import { CREDENTIAL_STATEMENTS } from '../src/auth/device-credentials.repository';
import { IMPORT_STATEMENTS } from '../src/auth/device-import.repository';
import { DEVICE_STATEMENTS } from '../src/devices/devices.repository';
import { EXPORT_STATEMENTS } from '../src/export/export.repository';
import { HEALTH_STATEMENTS } from '../src/health/health.repository';
import { WRITE_REGISTER_STATEMENTS, WRITE_STATEMENTS } from '../src/ingestion/ingestion.repository';
import { REGISTER_STATEMENTS } from '../src/ingestion/register.repository';
import { PARTITION_STATEMENTS } from '../src/partitions/partition.repository';
import { RETENTION_SIDES, RETENTION_STATEMENTS } from '../src/partitions/retention.repository';
import { STREAM_STATEMENTS } from '../src/stream/stream.repository';
import { DELIVERY_STATEMENTS } from '../src/webhooks/webhook-delivery.repository';
import { WEBHOOK_STATEMENTS } from '../src/webhooks/webhooks.repository';

export const SQL_DIR = path.resolve(__dirname, '..', 'sql');
const REFRESH = 'npm run sql:snapshots';

/**
 * A set of statements as its repository exports it: the file, the exported name a reader can grep
 * for, and the statements by key. Each is written to sql/<area>/<prefix><Key>.sql in kebab case.
 */
interface Exported {
  source: string;
  name: string;
  statements: Record<string, string>;
  prefix?: string;
}

const ROLLUP_TABLES = 'src/analytics/rollup-tables.repository.ts';
const ROLLUP_SEAL = 'src/analytics/rollup-seal.repository.ts';

/** Per folder under sql/, the exports its statements come from. */
const AREAS: Record<string, Exported[]> = {
  ingestion: [
    {
      source: 'src/ingestion/ingestion.repository.ts',
      name: 'WRITE_STATEMENTS',
      statements: WRITE_STATEMENTS,
      prefix: 'write',
    },
    {
      source: 'src/ingestion/ingestion.repository.ts',
      name: 'WRITE_REGISTER_STATEMENTS',
      statements: WRITE_REGISTER_STATEMENTS,
      prefix: 'write-registers',
    },
    ...(['lock', 'neighbours', 'restate'] as const).map((kind) => ({
      source: 'src/ingestion/register.repository.ts',
      name: `REGISTER_STATEMENTS.${kind}`,
      statements: REGISTER_STATEMENTS[kind],
      prefix: `register-${kind}`,
    })),
  ],
  analytics: [
    { source: 'src/analytics/analytics.repository.ts', name: 'ANALYTICS_STATEMENTS', statements: ANALYTICS_STATEMENTS },
    {
      source: 'src/analytics/meter-efficiency.repository.ts',
      name: 'METER_EFFICIENCY_STATEMENTS',
      statements: METER_EFFICIENCY_STATEMENTS,
    },
  ],
  rollups: [
    ...ROLLUP_KINDS.map((kind) => ({
      source: ROLLUP_TABLES,
      name: `TABLE_STATEMENTS.${kind}`,
      statements: TABLE_STATEMENTS[kind],
      prefix: kind,
    })),
    { source: ROLLUP_SEAL, name: 'SEAL_STATEMENTS', statements: SEAL_STATEMENTS },
    { source: ROLLUP_SEAL, name: 'SESSION_STATEMENTS', statements: SESSION_STATEMENTS },
  ],
  'analytics/series': [
    { source: 'src/analytics/series.repository.ts', name: 'SERIES_STATEMENTS', statements: SERIES_STATEMENTS },
  ],
  'charging-sessions': [
    {
      source: 'src/charging-sessions/charging-sessions.repository.ts',
      name: 'CHARGING_SESSION_STATEMENTS',
      statements: CHARGING_SESSION_STATEMENTS,
    },
  ],
  auth: [
    { source: 'src/auth/auth.repository.ts', name: 'AUTH_STATEMENTS', statements: AUTH_STATEMENTS },
    {
      source: 'src/auth/device-credentials.repository.ts',
      name: 'CREDENTIAL_STATEMENTS',
      statements: CREDENTIAL_STATEMENTS,
      prefix: 'credential',
    },
    {
      source: 'src/auth/credential-use.repository.ts',
      name: 'CREDENTIAL_USE_STATEMENTS',
      statements: CREDENTIAL_USE_STATEMENTS,
      prefix: 'credential-use',
    },
    {
      source: 'src/auth/device-import.repository.ts',
      name: 'IMPORT_STATEMENTS',
      statements: IMPORT_STATEMENTS,
      prefix: 'import',
    },
  ],
  devices: [{ source: 'src/devices/devices.repository.ts', name: 'DEVICE_STATEMENTS', statements: DEVICE_STATEMENTS }],
  export: [{ source: 'src/export/export.repository.ts', name: 'EXPORT_STATEMENTS', statements: EXPORT_STATEMENTS }],
  partitions: [
    {
      source: 'src/partitions/partition.repository.ts',
      name: 'PARTITION_STATEMENTS',
      statements: PARTITION_STATEMENTS,
    },
  ],
  'partitions/retention': [
    ...RETENTION_SIDES.map((side) => ({
      source: 'src/partitions/retention.repository.ts',
      name: `RETENTION_STATEMENTS.${side}`,
      statements: RETENTION_STATEMENTS[side],
      prefix: side,
    })),
  ],
  health: [{ source: 'src/health/health.repository.ts', name: 'HEALTH_STATEMENTS', statements: HEALTH_STATEMENTS }],
  stream: [{ source: 'src/stream/stream.repository.ts', name: 'STREAM_STATEMENTS', statements: STREAM_STATEMENTS }],
  alarms: [
    { source: 'src/alarms/alarms.repository.ts', name: 'ALARM_STATEMENTS', statements: ALARM_STATEMENTS },
    {
      source: 'src/alarms/alarm-conditions.repository.ts',
      name: 'CONDITION_STATEMENTS',
      statements: CONDITION_STATEMENTS,
      prefix: 'condition',
    },
  ],
  webhooks: [
    { source: 'src/webhooks/webhooks.repository.ts', name: 'WEBHOOK_STATEMENTS', statements: WEBHOOK_STATEMENTS },
    {
      source: 'src/webhooks/webhook-delivery.repository.ts',
      name: 'DELIVERY_STATEMENTS',
      statements: DELIVERY_STATEMENTS,
      prefix: 'delivery',
    },
  ],
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const fileName = (prefix: string, key: string) =>
  kebab(prefix ? `${prefix}${key[0].toUpperCase()}${key.slice(1)}` : key);

/** Every snapshot as it should be, by path relative to sql/. */
export function renderSnapshots(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [area, exports] of Object.entries(AREAS)) {
    for (const { source, name, statements, prefix = '' } of exports) {
      for (const [key, sql] of Object.entries(statements)) {
        const header = `-- ${name}.${key} in ${source}; written by tools/sql-snapshots.ts (${REFRESH}), not by hand.`;
        const file = `${area}/${fileName(prefix, key)}.sql`;
        if (files.has(file)) throw new Error(`two statements would both be written to sql/${file}`);
        files.set(file, `${header}\n${sql}\n`);
      }
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
