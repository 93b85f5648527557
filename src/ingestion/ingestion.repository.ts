import type { DataSource, EntityManager } from 'typeorm';
import { retryOnceIfTransient } from '../db/db-errors';
import { sql } from '../db/sql';
import type { MeterReading, Reading, ReadingType, VehicleReading } from './ingestion.dto';

interface TelemetryTable<R extends Reading> {
  history: string;
  live: string;
  idColumn: string;
  /** Measured columns with their PostgreSQL array type, in parameter order. */
  columns: Array<[name: string, pgType: string, value: (reading: R) => number]>;
  id: (reading: R) => string;
}

const METER: TelemetryTable<MeterReading> = {
  history: 'meter_history',
  live: 'meter_live',
  idColumn: 'meter_id',
  columns: [
    ['kwh_consumed_ac', 'float8', (r) => r.kwhConsumedAc],
    ['voltage', 'float8', (r) => r.voltage],
  ],
  id: (r) => r.meterId,
};

const VEHICLE: TelemetryTable<VehicleReading> = {
  history: 'vehicle_history',
  live: 'vehicle_live',
  idColumn: 'vehicle_id',
  columns: [
    ['soc', 'float8', (r) => r.soc],
    ['kwh_delivered_dc', 'float8', (r) => r.kwhDeliveredDc],
    ['battery_temp', 'float8', (r) => r.batteryTemp],
  ],
  id: (r) => r.vehicleId,
};

/**
 * One statement per reading type, whatever the number of readings: the rows travel as one array per
 * column. History keeps the first copy of a (id, ts) and reports which rows were new; only those feed
 * the live upsert, newest per id, and the live row moves only forward in time. The row lock taken by
 * ON CONFLICT makes that comparison hold under concurrent writers too, and sorting by id keeps the
 * lock order the same in every transaction, so two batches cannot deadlock on each other.
 */
function writeStatement<R extends Reading>(table: TelemetryTable<R>): string {
  const names = table.columns.map(([name]) => name);
  const unnestArgs = ['$1::text[]', '$2::timestamptz[]', ...table.columns.map(([, type], i) => `$${i + 3}::${type}[]`)];
  const all = [table.idColumn, 'ts', ...names].join(', ');
  const updates = ['ts', ...names].map((name) => `${name} = EXCLUDED.${name}`).join(', ');
  return sql`
    WITH inserted AS (
      INSERT INTO ${table.history} (${all})
      SELECT * FROM unnest(${unnestArgs.join(', ')})
      ON CONFLICT (${table.idColumn}, ts) DO NOTHING
      RETURNING ${all}
    ), newest AS (
      INSERT INTO ${table.live} (${all})
      SELECT DISTINCT ON (${table.idColumn}) ${all} FROM inserted ORDER BY ${table.idColumn}, ts DESC
      ON CONFLICT (${table.idColumn}) DO UPDATE SET ${updates}, updated_at = now()
      WHERE ${table.live}.ts < EXCLUDED.ts
    )
    SELECT ${table.idColumn} AS id, ts FROM inserted`;
}

const READING_TYPES: ReadingType[] = ['meter', 'vehicle'];
const TABLES = { meter: METER, vehicle: VEHICLE } as { [T in ReadingType]: TelemetryTable<Reading> };
/** The write statement per reading type; $1 ids, $2 timestamps, then one array per measured column. */
export const WRITE_STATEMENTS = { meter: writeStatement(METER), vehicle: writeStatement(VEHICLE) };

/**
 * The parameters of WRITE_STATEMENTS[type] for readings of that type, sorted by (id, ts) so that
 * concurrent writers lock rows in the same order.
 */
export function writeParams(type: ReadingType, readings: Reading[]): unknown[][] {
  const table = TABLES[type];
  const sorted = [...readings].sort(
    (a, b) => compare(table.id(a), table.id(b)) || a.timestamp.getTime() - b.timestamp.getTime(),
  );
  return [
    sorted.map(table.id),
    sorted.map((r) => r.timestamp.toISOString()),
    ...table.columns.map(([, , value]) => sorted.map(value)),
  ];
}

/** What became of one reading handed to IngestionRepository.write. */
export type WriteOutcome = 'stored' | 'duplicate';

/** Identifies a reading across types, to match the rows a write statement returns with its input. */
const identity = (type: ReadingType, id: string, timestamp: Date): string =>
  `${type}\u0000${id}\u0000${timestamp.getTime()}`;

/** Told, once their transaction has committed, which readings were stored now (duplicates left out). */
export type StoredReadingsHook = (stored: Reading[]) => void;

export class IngestionRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly onStored?: StoredReadingsHook,
  ) {}

  /**
   * Writes the readings in one transaction and answers, per reading in input order, whether it was
   * stored now or was a duplicate: of a reading stored before, or of an earlier copy in the same call,
   * which alone is written. The transaction is idempotent (history keeps the first copy, live only
   * moves forward), so one that lost a deadlock or met a partition being attached is simply run again.
   */
  async write(readings: Reading[]): Promise<WriteOutcome[]> {
    const keys = readings.map((reading) => identity(reading.type, TABLES[reading.type].id(reading), reading.timestamp));
    const firstIndex = new Map<string, number>();
    keys.forEach((key, index) => {
      if (!firstIndex.has(key)) firstIndex.set(key, index);
    });
    const unique = [...firstIndex.values()].map((index) => readings[index]);
    const stored = unique.length > 0 ? await retryOnceIfTransient(() => this.writeOnce(unique)) : new Set<string>();
    if (this.onStored && stored.size > 0) {
      this.onStored([...firstIndex].filter(([key]) => stored.has(key)).map(([, index]) => readings[index]));
    }
    return keys.map((key, index) => (firstIndex.get(key) === index && stored.has(key) ? 'stored' : 'duplicate'));
  }

  /** Writes readings unique by (type, id, timestamp); returns the identities of those that were new. */
  private writeOnce(readings: Reading[]): Promise<Set<string>> {
    return this.dataSource.transaction(async (manager) => {
      const stored = new Set<string>();
      // A fixed type order, like the id order inside each statement, keeps lock order identical everywhere.
      for (const type of READING_TYPES) {
        const ofType = readings.filter((reading) => reading.type === type);
        if (ofType.length === 0) continue;
        for (const key of await this.writeType(manager, type, ofType)) stored.add(key);
      }
      return stored;
    });
  }

  private async writeType(manager: EntityManager, type: ReadingType, readings: Reading[]): Promise<string[]> {
    const rows: Array<{ id: string; ts: Date }> = await manager.query(
      WRITE_STATEMENTS[type],
      writeParams(type, readings),
    );
    return rows.map((row) => identity(type, row.id, row.ts));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
