import { sql } from '../db/sql';
import type { MeterReading, Reading, ReadingType, VehicleReading } from './ingestion.dto';

/*
 * The statements that write readings, one per reading type, composed from the tables and columns the
 * types differ in (the statements as sent are under sql/ingestion/).
 */

export interface TelemetryTable<R extends Reading> {
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
  ['gap_from', 'timestamptz'],
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
  return sql`
    WITH input AS (
      SELECT * FROM unnest(${unnestArgs.join(', ')}) WITH ORDINALITY AS input(${stored}, position)
    ), inserted AS (
      INSERT INTO ${table.history} (${stored})
      SELECT ${stored} FROM input
      ON CONFLICT (${table.idColumn}, ts) DO NOTHING
      RETURNING ${stored}
    ), newest AS (
      ${registers ? liveWithRegisters(table) : live(table)}
    )
    SELECT input.position::int4 AS position, (SELECT followed_until > now() FROM stream_follow) AS followed
    FROM inserted JOIN input USING (${table.idColumn}, ts)`;
}

/** The live upsert: the newest new reading per device, over an older live row only. */
function live<R extends Reading>(table: TelemetryTable<R>): string {
  const all = [table.idColumn, 'ts', ...table.columns.map(([name]) => name)];
  const updates = all.slice(1).map((name) => `${name} = EXCLUDED.${name}`);
  return sql`
    INSERT INTO ${table.live} (${all.join(', ')})
    SELECT DISTINCT ON (${table.idColumn}) ${all.join(', ')} FROM inserted ORDER BY ${table.idColumn}, ts DESC
    ON CONFLICT (${table.idColumn}) DO UPDATE SET ${updates.join(', ')}, updated_at = now()
    WHERE ${table.live}.ts < EXCLUDED.ts`;
}

/**
 * The live upsert of a statement with register readings: as live() for the reading, and beside it the
 * device's newest register reading (register_ts), which moves forward on its own, so that a late
 * register reading still becomes the base of the next one when no register reading came after it.
 */
function liveWithRegisters<R extends Reading>(table: TelemetryTable<R>): string {
  const measured = ['ts', ...table.columns.map(([name]) => name)];
  const registered = ['register_ts', table.registerColumn, 'register_base'];
  const all = [table.idColumn, ...measured, ...registered];
  const newer = `${table.live}.ts < EXCLUDED.ts`;
  const newerRegister = `coalesce(${table.live}.register_ts, '-infinity') < EXCLUDED.register_ts`;
  const pick = (when: string) => (name: string) =>
    `${name} = CASE WHEN ${when} THEN EXCLUDED.${name} ELSE ${table.live}.${name} END`;
  return sql`
    INSERT INTO ${table.live} (${all.join(', ')})
    SELECT n.*, r.ts, r.${table.registerColumn}, r.register_base
    FROM (SELECT DISTINCT ON (${table.idColumn}) ${[table.idColumn, ...measured].join(', ')} FROM inserted ORDER BY ${table.idColumn}, ts DESC) n
    LEFT JOIN (
      SELECT DISTINCT ON (${table.idColumn}) ${table.idColumn}, ts, ${table.registerColumn}, register_base FROM inserted
      WHERE ${table.registerColumn} IS NOT NULL ORDER BY ${table.idColumn}, ts DESC
    ) r USING (${table.idColumn})
    ORDER BY ${table.idColumn}
    ON CONFLICT (${table.idColumn}) DO UPDATE SET
      ${[...measured.map(pick(newer)), ...registered.map(pick(newerRegister))].join(',\n')},
      updated_at = CASE WHEN ${newer} THEN now() ELSE ${table.live}.updated_at END
    WHERE ${newer} OR ${newerRegister}`;
}

export const READING_TYPES: ReadingType[] = ['meter', 'vehicle'];
export const TABLES = { meter: METER, vehicle: VEHICLE } as { [T in ReadingType]: TelemetryTable<Reading> };
/**
 * The write statement per reading type; $1 ids, $2 timestamps, then one array per measured column.
 * It answers the 1-based positions, in those arrays, of the rows that were new, and whether the live
 * stream is followed.
 */
export const WRITE_STATEMENTS = { meter: writeStatement(METER), vehicle: writeStatement(VEHICLE) };
/** The same, when some of the readings carry registers: then four more arrays, the register and DERIVED_COLUMNS. */
export const WRITE_REGISTER_STATEMENTS = { meter: writeStatement(METER, true), vehicle: writeStatement(VEHICLE, true) };
