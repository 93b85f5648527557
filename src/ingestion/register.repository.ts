import type { PoolClient } from 'pg';
import { sql } from '../db/sql';
import type { ReadingType } from './ingestion.dto';
import { deriveSequence, type Derived, type RegisterPoint, type RegisterRules, type SequenceItem } from './registers';

interface RegisterTable {
  history: string;
  live: string;
  idColumn: string;
  energy: string;
  register: string;
  /** First key of the advisory locks on new devices, one per reading type. */
  lockClass: number;
}

const TABLES: Record<ReadingType, RegisterTable> = {
  meter: {
    history: 'meter_history',
    live: 'meter_live',
    idColumn: 'meter_id',
    energy: 'kwh_consumed_ac',
    register: 'kwh_register_ac',
    lockClass: 23_001,
  },
  vehicle: {
    history: 'vehicle_history',
    live: 'vehicle_live',
    idColumn: 'vehicle_id',
    energy: 'kwh_delivered_dc',
    register: 'kwh_register_dc',
    lockClass: 23_002,
  },
};

const STORED = (t: RegisterTable) =>
  `ts, ${t.register} AS register, register_base AS base, ${t.energy} AS energy, register_event AS event, bridged, gap_from`;

/**
 * Holds each device of $1 until the transaction ends, so that two writers of one device never measure
 * against the same previous reading, and answers the newest reading time of each that has one. A
 * device with a live row is held by that row: a row lock, which takes no room in the lock table
 * however many devices a batch names. One without (its first readings) is held by an advisory lock
 * (class $3) on one of 256 buckets of ids, so that a batch of new devices takes at most 256 of those.
 * Every lock waits at most $2 (lock_timeout). A locked row reads as its newest version, with the
 * device's newest register reading and its reporting interval: a device whose new readings all come
 * after everything stored is measured from those alone.
 */
const lock = (t: RegisterTable) => sql`
  WITH timeout AS MATERIALIZED (SELECT set_config('lock_timeout', $2, true)),
  existing AS MATERIALIZED (
    SELECT l.${t.idColumn} AS id, l.ts, l.register_ts, l.${t.register} AS register, l.register_base AS base
    FROM ${t.live} l CROSS JOIN timeout
    WHERE l.${t.idColumn} = ANY($1::text[])
    ORDER BY l.${t.idColumn}
    FOR UPDATE OF l
  ),
  fresh AS MATERIALIZED (
    SELECT count(pg_advisory_xact_lock($3::int4, k)) AS held FROM (
      SELECT DISTINCT hashtext(id) & 255 AS k FROM unnest($1::text[]) AS id
      WHERE id NOT IN (SELECT id FROM existing)
      ORDER BY 1
    ) keys
  )
  SELECT e.*, v.reporting_interval_s AS interval_s
  FROM fresh LEFT JOIN existing e ON true LEFT JOIN device v ON v.id = e.id`;

/**
 * Per device ($1 ids, with $2 the earliest and $3 the latest new reading, $4 its newest stored reading
 * time or null): the register reading just before the earliest (part 0), every reading stored between
 * the two (part 1: plain ones too, which make a new reading at their time a duplicate), and the
 * register reading just after the latest (part 2), with the device's reporting interval (a device with
 * none of these still has a row, part null, for its interval). Readings that
 * arrive in order have nothing stored at or after them, which the newest time says without a probe.
 */
const neighbours = (t: RegisterTable) => sql`
  SELECT d.id, n.part, n.ts, n.register, n.base, n.energy, n.event, n.bridged, n.gap_from, v.reporting_interval_s AS interval_s
  FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[]) AS d(id, lo, hi, newest)
  LEFT JOIN device v ON v.id = d.id
  LEFT JOIN LATERAL (
    (SELECT 0 AS part, ${STORED(t)} FROM ${t.history}
     WHERE ${t.idColumn} = d.id AND ts < d.lo AND ${t.register} IS NOT NULL ORDER BY ts DESC LIMIT 1)
    UNION ALL
    (SELECT 1, ${STORED(t)} FROM ${t.history}
     WHERE (d.newest IS NULL OR d.newest >= d.lo) AND ${t.idColumn} = d.id AND ts >= d.lo AND ts <= d.hi)
    UNION ALL
    (SELECT 2, ${STORED(t)} FROM ${t.history}
     WHERE (d.newest IS NULL OR d.newest > d.hi) AND ${t.idColumn} = d.id AND ts > d.hi AND ${t.register} IS NOT NULL
     ORDER BY ts LIMIT 1)
  ) n ON true`;

/**
 * Stored readings whose interval a late reading split, with what they are now: the history triggers
 * (1764490000000-EnergyRegisters) carry the difference to their sealed rollups and counted session;
 * the live row follows, when its reading or its newest register reading is one restated.
 */
const restate = (t: RegisterTable) => sql`
  WITH u AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::float8[], $5::text[], $6::int4[], $7::timestamptz[])
      AS u(id, ts, energy, base, event, bridged, gap_from)
  ), live AS (
    UPDATE ${t.live} l SET
      ${t.energy} = coalesce((SELECT u.energy FROM u WHERE u.id = l.${t.idColumn} AND u.ts = l.ts), l.${t.energy}),
      register_base = coalesce((SELECT u.base FROM u WHERE u.id = l.${t.idColumn} AND u.ts = l.register_ts), l.register_base)
    WHERE l.${t.idColumn} IN (SELECT id FROM u)
  )
  UPDATE ${t.history} h SET ${t.energy} = u.energy, register_base = u.base, register_event = u.event, bridged = u.bridged,
    gap_from = u.gap_from
  FROM u WHERE h.${t.idColumn} = u.id AND h.ts = u.ts`;

export const REGISTER_STATEMENTS = {
  lock: { meter: lock(TABLES.meter), vehicle: lock(TABLES.vehicle) },
  neighbours: { meter: neighbours(TABLES.meter), vehicle: neighbours(TABLES.vehicle) },
  restate: { meter: restate(TABLES.meter), vehicle: restate(TABLES.vehicle) },
};

/** A new register reading of one device, in (device, time) order, duplicates within the call removed. */
export interface NewRegisterReading {
  id: string;
  ms: number;
  register: number;
  sent: number;
}

interface StoredRow {
  id: string;
  part: number | null;
  ts: Date;
  register: number | null;
  base: number | null;
  energy: number;
  event: Derived['event'];
  bridged: number;
  gap_from: Date | null;
  interval_s: number | null;
}

/** A device's new readings span lo..hi; `newest` is its newest stored reading's time, if known. */
interface Span {
  id: string;
  lo: number;
  hi: number;
  newest: number | undefined;
}

interface Restated extends Derived {
  id: string;
  ms: number;
}

const literal = (values: Array<string | number | null>) =>
  `{${values.map((value) => (value === null ? 'NULL' : typeof value === 'number' ? value : `"${value}"`)).join(',')}}`;

/**
 * How long a register write waits for another transaction writing the same device, and its other
 * statements for any lock. Only ingestion takes these locks, for a transaction's few statements, so a
 * wait is short unless the database is overloaded; it is bounded all the same, and generously, since
 * giving up refuses a reading.
 */
const DEVICE_LOCK_TIMEOUT_MS = 5_000;

/** A held device as its live row shows it: its newest reading's time, and its newest register reading. */
interface Held {
  newest: number;
  latest: RegisterPoint | undefined;
  intervalS: number | null;
}

interface LockedRow {
  id: string | null;
  ts: Date;
  register_ts: Date | null;
  register: number | null;
  base: number | null;
  interval_s: number | null;
}

export class RegisterRepository {
  constructor(
    private readonly rules: RegisterRules,
    private readonly readingIntervalSeconds = 60,
  ) {}

  /**
   * Derives what each new register reading is stored with (undefined for one already stored: a
   * duplicate), and restates the stored readings whose intervals they split, holding each device until
   * the transaction ends. A device whose new readings all come after its newest stored one, as a
   * device's readings nearly always do, is measured from its live row; only the others read history.
   */
  async prepare(client: PoolClient, type: ReadingType, readings: NewRegisterReading[]) {
    const byDevice = new Map<string, NewRegisterReading[]>();
    for (const reading of readings) {
      const own = byDevice.get(reading.id);
      if (own) own.push(reading);
      else byDevice.set(reading.id, [reading]);
    }
    const devices = [...byDevice.keys()];
    let held = await this.lock(client, type, devices);
    // A new device's first writer may have committed its live row while this one waited for the
    // device's bucket: that row is then what other writers of the device lock, so it is locked too.
    if (held.size < devices.length) held = await this.lock(client, type, devices);
    const derivedOf = new Map<string, Array<Derived | undefined>>();
    const restated: Restated[] = [];
    const behind: Span[] = [];
    for (const [id, own] of byDevice) {
      const device = held.get(id);
      if (device && device.newest < own[0].ms) {
        const intervalMs = (device.intervalS ?? this.readingIntervalSeconds) * 1_000;
        derivedOf.set(id, deriveSequence(device.latest, own, intervalMs, this.rules).derived);
      } else behind.push({ id, lo: own[0].ms, hi: own.at(-1)!.ms, newest: device?.newest });
    }
    if (behind.length > 0) await this.amongStored(client, type, behind, byDevice, derivedOf, restated);
    if (restated.length > 0) await this.restate(client, type, restated);
    return devices.flatMap((id) => derivedOf.get(id)!);
  }

  /**
   * Derives the new readings of devices that have readings stored at or after them (late ones, or
   * duplicates) in order with those, and collects the stored readings that changes.
   */
  private async amongStored(
    client: PoolClient,
    type: ReadingType,
    spans: Span[],
    byDevice: Map<string, NewRegisterReading[]>,
    derivedOf: Map<string, Array<Derived | undefined>>,
    restated: Restated[],
  ): Promise<void> {
    const stored = await this.read(client, type, spans);
    let cascade: Array<{ id: string; from: RegisterPoint; intervalMs: number }> = [];
    for (const { id } of spans) {
      const rows = stored.get(id) ?? [];
      const intervalMs = (rows[0]?.interval_s ?? this.readingIntervalSeconds) * 1_000;
      const taken = new Set(rows.filter((row) => row.part === 1).map((row) => row.ts.getTime()));
      const own = byDevice.get(id)!;
      const items: Array<SequenceItem & { fresh?: number }> = [
        ...own.flatMap((r, i) => (taken.has(r.ms) ? [] : [{ ms: r.ms, register: r.register, sent: r.sent, fresh: i }])),
        ...rows.filter((row) => (row.part === 1 || row.part === 2) && row.register !== null).map(asItem),
      ].sort((a, b) => a.ms - b.ms);
      const before = rows.find((row) => row.part === 0);
      const {
        derived,
        restated: changed,
        baseMoved,
      } = deriveSequence(before && asPoint(before), items, intervalMs, this.rules);
      const mine: Array<Derived | undefined> = own.map(() => undefined);
      items.forEach((item, i) => {
        if (item.fresh !== undefined) mine[item.fresh] = derived[i];
        else if (changed[i]) restated.push({ id, ms: item.ms, ...derived[i] });
      });
      derivedOf.set(id, mine);
      const last = items.at(-1);
      if (last && baseMoved) {
        cascade.push({ id, from: { ms: last.ms, register: last.register, base: derived.at(-1)!.base }, intervalMs });
      }
    }
    // A restated reading whose base moved changes the one after it too, and so on while bases move: rare
    // (a late reading has to turn a dip into a rise, or back), so it is followed one probe at a time.
    while (cascade.length > 0) {
      const next = await this.read(
        client,
        type,
        cascade.map(({ id, from }) => ({ id, lo: from.ms, hi: from.ms, newest: undefined })),
      );
      cascade = cascade.flatMap(({ id, from, intervalMs }) => {
        const after = next.get(id)?.find((row) => row.part === 2);
        if (!after) return [];
        const item = asItem(after);
        const { derived, restated: changed, baseMoved } = deriveSequence(from, [item], intervalMs, this.rules);
        if (changed[0]) restated.push({ id, ms: item.ms, ...derived[0] });
        return baseMoved
          ? [{ id, from: { ms: item.ms, register: item.register, base: derived[0].base }, intervalMs }]
          : [];
      });
    }
  }

  /** Holds the devices (REGISTER_STATEMENTS.lock); answers those with a live row as it shows them. */
  private async lock(client: PoolClient, type: ReadingType, devices: string[]): Promise<Map<string, Held>> {
    const { rows } = await client.query<LockedRow>({
      name: `ingestion-register-lock-${type}`,
      text: REGISTER_STATEMENTS.lock[type],
      values: [literal(devices), `${DEVICE_LOCK_TIMEOUT_MS}ms`, TABLES[type].lockClass],
    });
    const held = new Map<string, Held>();
    for (const row of rows) {
      if (row.id === null) continue;
      const latest =
        row.register_ts === null
          ? undefined
          : { ms: row.register_ts.getTime(), register: row.register!, base: row.base! };
      held.set(row.id, { newest: row.ts.getTime(), latest, intervalS: row.interval_s });
    }
    return held;
  }

  private async read(client: PoolClient, type: ReadingType, spans: Span[]) {
    const { rows } = await client.query<StoredRow>({
      name: `ingestion-register-neighbours-${type}`,
      text: REGISTER_STATEMENTS.neighbours[type],
      values: [
        literal(spans.map((s) => s.id)),
        literal(spans.map((s) => new Date(s.lo).toISOString())),
        literal(spans.map((s) => new Date(s.hi).toISOString())),
        literal(spans.map((s) => (s.newest === undefined ? null : new Date(s.newest).toISOString()))),
      ],
    });
    const byDevice = new Map<string, StoredRow[]>();
    for (const row of rows) byDevice.set(row.id, [...(byDevice.get(row.id) ?? []), row]);
    return byDevice;
  }

  private async restate(client: PoolClient, type: ReadingType, rows: Restated[]): Promise<void> {
    await client.query({
      name: `ingestion-register-restate-${type}`,
      text: REGISTER_STATEMENTS.restate[type],
      values: [
        literal(rows.map((r) => r.id)),
        literal(rows.map((r) => new Date(r.ms).toISOString())),
        literal(rows.map((r) => r.energy)),
        literal(rows.map((r) => r.base)),
        literal(rows.map((r) => r.event)),
        literal(rows.map((r) => r.bridged)),
        literal(rows.map((r) => (r.gapFromMs === null ? null : new Date(r.gapFromMs).toISOString()))),
      ],
    });
  }
}

function asPoint(row: StoredRow): RegisterPoint {
  return { ms: row.ts.getTime(), register: row.register!, base: row.base! };
}

function asItem(row: StoredRow): SequenceItem {
  const { energy, base, event, bridged } = row;
  const gapFromMs = row.gap_from?.getTime() ?? null;
  return { ms: row.ts.getTime(), register: row.register!, stored: { energy, base: base!, event, bridged, gapFromMs } };
}
