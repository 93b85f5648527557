import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { retryIfTransient } from '../db/db-errors';
import { sql } from '../db/sql';
import type { MeterReading, Reading, ReadingType, VehicleReading } from './ingestion.dto';
import { RegisterRepository } from './register.repository';
import { REGISTER_DEFAULTS } from '../config/config';
import type { Derived, RegisterEvent } from './registers';

interface TelemetryTable<R extends Reading> {
  history: string;
  live: string;
  idColumn: string;
  /** Measured columns with their PostgreSQL array type, in parameter order. */
  columns: Array<[name: string, pgType: string, value: (reading: R) => number]>;
  id: (reading: R) => string;
  /** The history column of the cumulative register, and the reading's register if it sent one. */
  registerColumn: string;
  register: (reading: R) => number | undefined;
  /** The reading's interval energy, and the reading with it as derived from its register. */
  energy: (reading: R) => number;
  withEnergy: (reading: R, kwh: number) => R;
}

/*
 * The two reading types differ only in these tables and columns, so the write statement is composed
 * from them (writeStatement below) rather than written out twice: grepping for a table finds it here,
 * and the statement as sent is under sql/ingestion/ (write-meter.sql, write-vehicle.sql).
 */
const METER: TelemetryTable<MeterReading> = {
  history: 'meter_history',
  live: 'meter_live',
  idColumn: 'meter_id',
  columns: [
    ['kwh_consumed_ac', 'float8', (r) => r.kwhConsumedAc],
    ['voltage', 'float8', (r) => r.voltage],
  ],
  id: (r) => r.meterId,
  registerColumn: 'kwh_register_ac',
  register: (r) => r.kwhRegisterAc,
  energy: (r) => r.kwhConsumedAc,
  withEnergy: (r, kwhConsumedAc) => ({ ...r, kwhConsumedAc }),
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
  registerColumn: 'kwh_register_dc',
  register: (r) => r.kwhRegisterDc,
  energy: (r) => r.kwhDeliveredDc,
  withEnergy: (r, kwhDeliveredDc) => ({ ...r, kwhDeliveredDc }),
};

/** What a register reading stores beside its register, after the live columns: see registers.ts. */
const DERIVED_COLUMNS: Array<[name: string, pgType: string]> = [
  ['register_base', 'float8'],
  ['register_event', 'text'],
  ['bridged', 'int4'],
];

/**
 * One statement per reading type, whatever the number of readings: the rows travel as one array per
 * column. History keeps the first copy of a (id, ts) and reports which rows were new, by their
 * position in the arrays; only those feed the live upsert, newest per id, and the live row moves only
 * forward in time. The row lock taken by ON CONFLICT makes that comparison hold under concurrent
 * writers too, and sorting by id keeps the lock order the same in every transaction, so two batches
 * cannot deadlock on each other. Each new row also tells whether anyone follows the live stream, read
 * after the statement's lock on history: a process that starts following waits for that lock first
 * (StreamRepository.follow), so a transaction either committed before then or reads that it is followed.
 */
function writeStatement<R extends Reading>(table: TelemetryTable<R>, registers = false): string {
  const names = table.columns.map(([name]) => name);
  // Register readings also store the register and what was derived from it, in history only.
  const extras: Array<[string, string]> = registers ? [[table.registerColumn, 'float8'], ...DERIVED_COLUMNS] : [];
  const unnestArgs = [
    '$1::text[]',
    '$2::timestamptz[]',
    ...[...table.columns, ...extras].map(([, type], i) => `$${i + 3}::${type}[]`),
  ];
  const all = [table.idColumn, 'ts', ...names].join(', ');
  const stored = [all, ...extras.map(([name]) => name)].join(', ');
  const updates = ['ts', ...names].map((name) => `${name} = EXCLUDED.${name}`).join(', ');
  return sql`
    WITH input AS (
      SELECT * FROM unnest(${unnestArgs.join(', ')}) WITH ORDINALITY AS input(${stored}, position)
    ), inserted AS (
      INSERT INTO ${table.history} (${stored})
      SELECT ${stored} FROM input
      ON CONFLICT (${table.idColumn}, ts) DO NOTHING
      RETURNING ${all}
    ), newest AS (
      INSERT INTO ${table.live} (${all})
      SELECT DISTINCT ON (${table.idColumn}) ${all} FROM inserted ORDER BY ${table.idColumn}, ts DESC
      ON CONFLICT (${table.idColumn}) DO UPDATE SET ${updates}, updated_at = now()
      WHERE ${table.live}.ts < EXCLUDED.ts
    )
    SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
    FROM inserted JOIN input USING (${table.idColumn}, ts)`;
}

const READING_TYPES: ReadingType[] = ['meter', 'vehicle'];
const TABLES = { meter: METER, vehicle: VEHICLE } as { [T in ReadingType]: TelemetryTable<Reading> };
/**
 * The write statement per reading type; $1 ids, $2 timestamps, then one array per measured column.
 * It answers the 1-based positions, in those arrays, of the rows that were new, and whether the live
 * stream is followed.
 */
export const WRITE_STATEMENTS = { meter: writeStatement(METER), vehicle: writeStatement(VEHICLE) };
/** The same, when some of the readings carry registers: then four more arrays, the register and DERIVED_COLUMNS. */
export const WRITE_REGISTER_STATEMENTS = { meter: writeStatement(METER, true), vehicle: writeStatement(VEHICLE, true) };

/** A reading with what ordering and answering need, each computed once. */
interface Row {
  reading: Reading;
  /** Its position in the caller's list. */
  index: number;
  id: string;
  ms: number;
}

/** The readings of `type` in (id, ts) order, the order every writer locks rows in; equal keys keep their input order. */
function inLockOrder(type: ReadingType, readings: Reading[]): Row[] {
  const table = TABLES[type];
  const rows: Row[] = [];
  readings.forEach((reading, index) => {
    if (reading.type === type) rows.push({ reading, index, id: table.id(reading), ms: reading.timestamp.getTime() });
  });
  return rows.sort((a, b) => compare(a.id, b.id) || a.ms - b.ms);
}

/**
 * Array parameters as PostgreSQL array literals, which pg sends as they are instead of quoting and
 * escaping element by element. Ids need no escaping (the id rule allows none of `"`, `\`, `,`,
 * braces or spaces), timestamps are ISO strings, and numbers print as float8 reads them.
 */
const textArray = (values: string[]): string => `{"${values.join('","')}"}`;
const plainArray = (values: Array<string | number>): string => `{${values.join(',')}}`;

function params(type: ReadingType, rows: Row[], readings = rows.map((row) => row.reading)): string[] {
  const table = TABLES[type];
  return [
    textArray(rows.map((row) => row.id)),
    plainArray(readings.map((reading) => reading.timestamp.toISOString())),
    ...table.columns.map(([, , value]) => plainArray(readings.map(value))),
  ];
}

/**
 * The parameters of WRITE_REGISTER_STATEMENTS[type]: `derived` holds, per row, what its register gave
 * (undefined for plain readings, and for duplicates, which are not stored).
 */
function registerParams(type: ReadingType, rows: Row[], derived: Array<Derived | undefined>): string[] {
  const table = TABLES[type];
  const readings = rows.map((row, i) => {
    const own = derived[i];
    return own ? table.withEnergy(row.reading, own.energy) : row.reading;
  });
  const register = rows.map((row) => table.register(row.reading) ?? 'NULL');
  return [
    ...params(type, rows, readings),
    plainArray(register),
    plainArray(register.map((value, i) => derived[i]?.base ?? value)),
    plainArray(derived.map((own) => own?.event ?? 'NULL')),
    plainArray(derived.map((own) => own?.bridged ?? 0)),
  ];
}

/**
 * The parameters of WRITE_STATEMENTS[type] for readings of that type, sorted by (id, ts) so that
 * concurrent writers lock rows in the same order.
 */
export function writeParams(type: ReadingType, readings: Reading[]): string[] {
  return params(type, inLockOrder(type, readings));
}

/** What became of one reading handed to IngestionRepository.write. */
export type WriteOutcome = 'stored' | 'duplicate';

/**
 * Told, once their transaction has committed, which readings were stored now (duplicates left out),
 * when some process follows the live stream.
 */
export type StoredReadingsHook = (stored: Reading[]) => void;

/** Told, once their transaction has committed, of the register events its readings met (registers.ts). */
export type RegisterEventsHook = (type: ReadingType, events: Map<RegisterEvent, number>) => void;

export class IngestionRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly onStored?: StoredReadingsHook,
    private readonly registers = new RegisterRepository(REGISTER_DEFAULTS),
    private readonly onRegisterEvents?: RegisterEventsHook,
  ) {}

  /**
   * Writes the readings in one transaction and answers, per reading in input order, whether it was
   * stored now or was a duplicate: of a reading stored before, or of an earlier copy in the same call,
   * which alone is written. The transaction is idempotent (history keeps the first copy, live only
   * moves forward), so one that lost a deadlock or met a partition being attached is simply run again.
   */
  async write(readings: Reading[]): Promise<WriteOutcome[]> {
    // In lock order, copies of one reading are neighbours; the first of them is the earliest.
    const groups = READING_TYPES.map((type) => ({
      type,
      rows: inLockOrder(type, readings).filter(
        (row, i, rows) => i === 0 || row.id !== rows[i - 1].id || row.ms !== rows[i - 1].ms,
      ),
    })).filter(({ rows }) => rows.length > 0);
    const outcomes = readings.map((): WriteOutcome => 'duplicate');
    if (groups.length === 0) return outcomes;
    const { stored, followed, events } = await retryIfTransient(() => this.writeOnce(groups));
    for (const { row } of stored) outcomes[row.index] = 'stored';
    if (this.onStored && followed) {
      this.onStored(stored.sort((a, b) => a.row.index - b.row.index).map(({ reading }) => reading));
    }
    if (this.onRegisterEvents) for (const [type, counts] of events) this.onRegisterEvents(type, counts);
    return outcomes;
  }

  /**
   * Writes rows unique by (type, id, timestamp); returns those that were new, each as stored (its
   * energy derived from its register, if it sent one), whether they are to be announced, and the
   * register events met.
   */
  private writeOnce(groups: Array<{ type: ReadingType; rows: Row[] }>) {
    return this.dataSource.transaction(async (manager) => {
      // The transaction's own connection, to name the statement: PostgreSQL then parses and plans it
      // once per connection rather than per call, which roughly halves its CPU for the small groups
      // that single readings make (figures in docs/performance.md).
      const client = (await manager.queryRunner?.connect()) as PoolClient;
      const stored: Array<{ row: Row; reading: Reading }> = [];
      const events = new Map<ReadingType, Map<RegisterEvent, number>>();
      let followed = false;
      // A fixed type order, like the id order inside each statement, keeps lock order identical everywhere.
      for (const { type, rows } of groups) {
        const derived = await this.derive(client, type, rows);
        const inserted = await client.query<{ position: number; followed: boolean }>(
          derived
            ? {
                name: `ingestion-write-registers-${type}`,
                text: WRITE_REGISTER_STATEMENTS[type],
                values: registerParams(type, rows, derived),
              }
            : { name: `ingestion-write-${type}`, text: WRITE_STATEMENTS[type], values: params(type, rows) },
        );
        for (const { position } of inserted.rows) {
          const row = rows[position - 1];
          const own = derived?.[position - 1];
          stored.push({ row, reading: own ? TABLES[type].withEnergy(row.reading, own.energy) : row.reading });
          if (own?.event) events.set(type, count(events.get(type), own.event));
        }
        followed ||= inserted.rows.length > 0 && inserted.rows[0].followed;
      }
      return { stored, followed, events };
    });
  }

  /** What the group's register readings derive, per row (undefined for plain ones); undefined without any. */
  private async derive(
    client: PoolClient,
    type: ReadingType,
    rows: Row[],
  ): Promise<Array<Derived | undefined> | undefined> {
    const table = TABLES[type];
    const positions = rows.flatMap((row, i) => (table.register(row.reading) === undefined ? [] : [i]));
    if (positions.length === 0) return undefined;
    const derived = await this.registers.prepare(
      client,
      type,
      positions.map((i) => ({
        id: rows[i].id,
        ms: rows[i].ms,
        register: table.register(rows[i].reading)!,
        sent: table.energy(rows[i].reading),
      })),
    );
    const all: Array<Derived | undefined> = rows.map(() => undefined);
    positions.forEach((position, i) => (all[position] = derived[i]));
    return all;
  }
}

function count(counts = new Map<RegisterEvent, number>(), event: RegisterEvent): Map<RegisterEvent, number> {
  return counts.set(event, (counts.get(event) ?? 0) + 1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
