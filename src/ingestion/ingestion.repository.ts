import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { retryIfTransient } from '../db/db-errors';
import { REGISTER_DEFAULTS } from '../config/config';
import type { Reading, ReadingType } from './ingestion.dto';
import { READING_TYPES, TABLES, WRITE_REGISTER_STATEMENTS, WRITE_STATEMENTS } from './ingestion.statements';
import { RegisterRepository } from './register.repository';
import type { Derived, RegisterEvent } from './registers';

export { WRITE_REGISTER_STATEMENTS, WRITE_STATEMENTS } from './ingestion.statements';

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
    plainArray(derived.map((own) => (own?.gapFromMs == null ? 'NULL' : new Date(own.gapFromMs).toISOString()))),
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
    const { stored, followed, events } = await retryIfTransient(() => this.writeMeasured(groups));
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
        // A reading derived as new that the insert found taken was written meanwhile by a writer that
        // holds no device lock (a plain reading at the same time), and what came after it was measured
        // against it: the transaction is undone and run again, to see that reading.
        if (derived && derived.filter((own) => own !== undefined).length > countRegisters(inserted.rows, derived)) {
          throw new MeasuredAgainstDuplicate();
        }
        followed ||= inserted.rows.length > 0 && inserted.rows[0].followed;
      }
      return { stored, followed, events };
    });
  }

  /**
   * writeOnce, run again when a register reading it measured against turned out a duplicate: only
   * another writer's reading at the same time does that, and the next run sees it stored.
   */
  private async writeMeasured(groups: Array<{ type: ReadingType; rows: Row[] }>) {
    for (let run = 1; ; run++) {
      try {
        return await this.writeOnce(groups);
      } catch (error) {
        if (!(error instanceof MeasuredAgainstDuplicate) || run >= MEASURE_RUNS) throw error;
      }
    }
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

/** Runs of a write whose register readings keep meeting readings written meanwhile, before it fails. */
const MEASURE_RUNS = 5;

class MeasuredAgainstDuplicate extends Error {
  constructor() {
    super('a register reading was measured against a reading another writer stored meanwhile');
  }
}

/** How many of the inserted rows (1-based positions) were derived from a register. */
function countRegisters(inserted: Array<{ position: number }>, derived: Array<Derived | undefined>): number {
  return inserted.filter(({ position }) => derived[position - 1] !== undefined).length;
}

function count(counts = new Map<RegisterEvent, number>(), event: RegisterEvent): Map<RegisterEvent, number> {
  return counts.set(event, (counts.get(event) ?? 0) + 1);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
