import fc from 'fast-check';
import type { DataSource } from 'typeorm';

/*
 * The register property (registers-property.test.ts): random meters and vehicles whose cumulative
 * registers rise, dip, reset, get replaced, roll over and jump, sent lost, late, twice and out of order;
 * and what history, the rollups, the sessions and analytics must then hold, recomputed in plain SQL
 * from the contract (docs/registers.md, "The rules", tried in its order), never through
 * src/ingestion/registers.ts.
 * Times are milliseconds from a run's origin, a midnight: devices report around it, so that the seal
 * has an hour and a day to close before the late readings come.
 */

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A run's devices start reporting from this long before its origin on. */
export const LEAD = HOUR;
/** Nothing is sent later than this after the origin, so that every reading stays well in the past. */
export const LAST = 5 * HOUR;

/** What the app under test was started with (REGISTER_* and MAX_POWER_KW), and its default interval. */
export interface Rules {
  interval: number;
  maxPowerKw: number;
  dipShare: number;
  rolloverKwh?: number;
}

/**
 * A number in [min, max]: mostly spread evenly (fast-check's doubles crowd at the ends and at tiny
 * values, which round to no micro-kWh at all), and now and then any double there, every digit of it.
 */
const real = (min: number, max: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000) },
    { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
  );
const unit = real(0, 1);
/** Mostly `undefined`, which is what a shrink goes to. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, weight = 1) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight, arbitrary });

/** What the counter does between one reading and the next, as a device would. */
const change = fc.oneof(
  /** Energy flowed: a share of the most the interval could hold (past the width, the counter wraps). */
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('rise' as const), share: unit }) },
  /** A step back, as a share of the dip threshold: past 1 it is no dip any more. */
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('dip' as const), share: real(0, 1.5) }),
  },
  /** Back to near zero: a share of what could have flowed since (past 1, more than that). */
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('reset' as const), share: real(0, 2) }),
  },
  /** Another counter: a share of the old value, or any value. */
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      share: unit,
      any: rarely(real(0, 1e9), 2),
    }),
  },
  /** More than any charger could deliver in the interval. */
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('jump' as const), factor: real(1, 1_000) }),
  },
);
export type Change = typeof change extends fc.Arbitrary<infer C> ? C : never;

/**
 * The time since the device's previous reading: whole and half multiples of 30 s (ties for the rounding
 * of `bridged`, against 30, 60, 120 and 300 s intervals), any millisecond, and now and then hours.
 */
const gap = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 12 }).map((k) => k * 30 * SECOND) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 20 * MINUTE }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }).map((h) => h * HOUR + 30 * SECOND) },
);

/** What becomes of one reading on its way: lost, late (after the seal), or sent once more. */
const fate = fc.record({
  lost: fc.constantFrom(false, false, false, false, false, true),
  late: fc.constantFrom(false, false, false, true),
  /** Where it comes among the readings of its phase. */
  order: fc.nat(99),
  copy: rarely(
    fc.record({
      late: fc.boolean(),
      order: fc.nat(99),
      /**
       * The same body, or another at the same time: another register value, or the same reading with
       * or without its register. Whichever copy is stored first is the reading; the other is a duplicate.
       */
      conflicting: fc.constantFrom('no' as const, 'no' as const, 'register' as const, 'plain' as const),
    }),
  ),
});

const step = fc.record({
  gap,
  change,
  /** A plain reading, interval energy only: registers ignore it. */
  plain: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  /** The interval energy sent with the register too: it stands for a device's first register reading only. */
  sent: rarely(real(0, 50)),
  fate,
});

const device = (rules: Rules) =>
  fc.record({
    /** Its registry record: none, one without an interval (the setting applies), or one stating one. */
    registered: fc.constantFrom<'no' | 'default' | number>('no', 'default', 30, 60, 120, 300),
    /** When it starts reporting, after the run's origin less LEAD. */
    start: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }).map((k) => k * 30 * SECOND) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * HOUR }) },
    ),
    /** Its counter's first value: anywhere, just under the configured width, or past it. */
    initial: fc.oneof(
      real(0, rules.rolloverKwh ?? 100_000),
      real(0, 20).map((below) => Math.max(0, (rules.rolloverKwh ?? 100_000) - below)),
      real(0, 1e9),
    ),
    /** Whether it reports its counter to the Wh, or as a float with all its digits. */
    wh: fc.boolean(),
    steps: fc.array(step, { minLength: 1, maxLength: 12 }),
  });
export type Device = typeof device extends (rules: Rules) => fc.Arbitrary<infer D> ? D : never;

/** An instant of a run: on the hour (the rollups' buckets), on a 30 s grid, or any ms. */
const instant = fc.oneof(
  fc.integer({ min: -1, max: 5 }).map((h) => h * HOUR),
  fc.integer({ min: -2 * 60, max: 10 * 60 }).map((k) => k * 30 * SECOND),
  fc.integer({ min: -LEAD, max: LAST }),
);

/** Where a session's start or end lies against a reading of its vehicle: on it, 30 s either side, or anywhere near. */
const shift = fc.oneof(
  fc.constant(0),
  fc.constantFrom(-30 * SECOND, 30 * SECOND),
  fc.integer({ min: -5 * MINUTE, max: 5 * MINUTE }),
);

const session = fc.record({
  vehicle: fc.nat(1),
  meter: fc.nat(1),
  /** From the time of its vehicle's reading `from` (shifted), over `readings` of them. */
  from: fc.nat(11),
  readings: fc.integer({ min: 1, max: 12 }),
  startShift: shift,
  endShift: shift,
  /** Written before any reading, between the on-time and the late readings, or after all of them. */
  written: fc.constantFrom('first', 'first', 'between', 'last'),
  /** `later`: written ongoing, and closed once every reading was sent. */
  end: fc.constantFrom('closed', 'closed', 'later'),
});
type Planned = typeof session extends fc.Arbitrary<infer S> ? S : never;
export type Session = Planned & { start: number; stop: number; id?: string };

/** A seal after a phase: none, the hours up to the origin + h hours (and the days before), or everything. */
const seal = fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 4 }), fc.constant('now' as const));
export type Seal = typeof seal extends fc.Arbitrary<infer S> ? S : never;

/** A stretch of the readings of a phase: one batch, or single POSTs; `together` sends it with the next. */
const chunk = fc.record({
  size: fc.integer({ min: 1, max: 8 }),
  mode: fc.constantFrom('batch', 'single'),
  route: fc.constantFrom('typed', 'telemetry'),
  together: fc.boolean(),
});
export type Chunk = typeof chunk extends fc.Arbitrary<infer C> ? C : never;

export const scenario = (rules: Rules) =>
  fc.record({
    meters: fc.array(device(rules), { minLength: 1, maxLength: 2 }),
    vehicles: fc.array(device(rules), { minLength: 1, maxLength: 2 }),
    sessions: fc.array(session, { maxLength: 3 }),
    chunks: fc.array(chunk, { minLength: 1, maxLength: 5 }),
    sealOnTime: seal,
    sealLate: seal,
    /** Whether the sessions closed last are counted too, so that all are read as stored. */
    countedAtEnd: fc.boolean(),
    /** The analytics window: the whole run, or any two instants. */
    window: fc.oneof(
      fc.constant([-LEAD - HOUR, LAST + HOUR]),
      fc.uniqueArray(instant, { minLength: 2, maxLength: 2 }).map((pair) => pair.sort((a, b) => a - b)),
    ),
  });
export type Scenario = typeof scenario extends (rules: Rules) => fc.Arbitrary<infer S> ? S : never;

/** The time of each of a device's readings, lost ones too, from the origin. */
export function timeline(d: Device): number[] {
  let ms = -LEAD + d.start;
  return d.steps.map((st, i) => (ms += i === 0 ? 0 : st.gap));
}

/**
 * The sessions the database takes, each placed against its vehicle's readings: none overlapping
 * another of its vehicle or of its meter, an ongoing one (`later`) holding both from its start on.
 */
export function accepted(s: Scenario): Session[] {
  const taken: Session[] = [];
  const until = (x: Session) => (x.end === 'closed' ? x.stop : Infinity);
  for (const plan of s.sessions) {
    const vehicle = plan.vehicle % s.vehicles.length;
    const times = timeline(s.vehicles[vehicle]);
    const first = plan.from % times.length;
    const start = times[first] + plan.startShift;
    const stop = Math.max(start + 1, times[Math.min(first + plan.readings, times.length - 1)] + plan.endShift);
    const x = { ...plan, vehicle, meter: plan.meter % s.meters.length, start, stop };
    const clash = taken.some(
      (o) => (o.vehicle === x.vehicle || o.meter === x.meter) && o.start < until(x) && x.start < until(o),
    );
    if (!clash) taken.push(x);
  }
  return taken;
}

export type Kind = 'meter' | 'vehicle';

/** One body to send, in its phase (0 on time, 1 late) and its place there. */
export interface Item {
  kind: Kind;
  id: string;
  ms: number;
  body: Record<string, unknown>;
  phase: 0 | 1;
  order: number;
}

/** The counter after `c`, from `r`, over an interval that could hold `possible` kWh. */
function next(r: number, c: Change, possible: number, rules: Rules): number {
  switch (c.kind) {
    case 'rise': {
      const risen = r + c.share * possible;
      return rules.rolloverKwh !== undefined && risen >= rules.rolloverKwh ? risen - rules.rolloverKwh : risen;
    }
    case 'dip':
      return r - c.share * rules.dipShare * r;
    case 'reset':
      return c.share * possible;
    case 'replace':
      return c.any ?? c.share * r;
    case 'jump':
      return r + possible * c.factor + 1;
  }
}

const clamp = (kwh: number) => Math.min(Math.max(kwh, 0), 1e9);

/**
 * Every body the devices send (lost ones left out, copies in), with the interval energy each register
 * reading sent, by device and time; readings after LAST are not sent at all.
 */
export function readings(
  s: Scenario,
  ids: { meters: string[]; vehicles: string[] },
  origin: number,
  rules: Rules,
): { items: Item[]; sent: Array<{ id: string; ts: string; kwh: number }> } {
  const items: Item[] = [];
  const sent: Array<{ id: string; ts: string; kwh: number }> = [];
  const devices = [
    ...s.meters.map((d, i) => ({ d, id: ids.meters[i], kind: 'meter' as const })),
    ...s.vehicles.map((d, i) => ({ d, id: ids.vehicles[i], kind: 'vehicle' as const })),
  ];
  for (const { d, id, kind } of devices) {
    const times = timeline(d);
    let register = d.initial;
    d.steps.forEach((st, i) => {
      if (i > 0) {
        const possible = Math.min((rules.maxPowerKw * st.gap) / HOUR, 1e6);
        register = next(register, st.change, possible, rules);
      }
      register = clamp(d.wh ? Math.round(register * 1000) / 1000 : register);
      if (times[i] > LAST || st.fate.lost) return;
      const ms = origin + times[i];
      const timestamp = new Date(ms).toISOString();
      const [idKey, registerKey, energyKey] =
        kind === 'meter'
          ? ['meterId', 'kwhRegisterAc', 'kwhConsumedAc']
          : ['vehicleId', 'kwhRegisterDc', 'kwhDeliveredDc'];
      const body = (value: number | undefined, energy: number | undefined): Record<string, unknown> => ({
        [idKey]: id,
        ...(value === undefined ? {} : { [registerKey]: value }),
        ...(energy === undefined ? {} : { [energyKey]: energy }),
        ...(kind === 'meter' ? { voltage: 230 } : { soc: 50, batteryTemp: 25 }),
        timestamp,
      });
      // A plain reading needs its interval energy; a register reading may send one too.
      const energy = st.plain ? (st.sent ?? 0.5) : st.sent;
      const { late, order, copy } = st.fate;
      items.push({ kind, id, ms, body: body(st.plain ? undefined : register, energy), phase: late ? 1 : 0, order });
      if (copy) {
        const other =
          copy.conflicting === 'register'
            ? body(st.plain ? register : clamp(register + 1.5), energy)
            : copy.conflicting === 'plain'
              ? body(undefined, energy ?? 0.5)
              : body(st.plain ? undefined : register, energy);
        items.push({ kind, id, ms, body: other, phase: copy.late ? 1 : 0, order: copy.order });
      }
      // What a copy that carries the register sent beside it, the same in every such copy.
      const registered = !st.plain || copy?.conflicting === 'register';
      if (registered && energy !== undefined) sent.push({ id, ts: timestamp, kwh: energy });
    });
  }
  return { items, sent };
}

const TABLES = {
  meter: { history: 'meter_history', device: 'meter_id', energy: 'kwh_consumed_ac', register: 'kwh_register_ac' },
  vehicle: {
    history: 'vehicle_history',
    device: 'vehicle_id',
    energy: 'kwh_delivered_dc',
    register: 'kwh_register_dc',
  },
};

/**
 * Property 2's oracle. Per device, its register readings in timestamp order, walked by a recursive CTE
 * applying the contract's rules from the first one: that one keeps the energy sent with it (or 0) and
 * its register as base; each later one is measured against the previous one's base over the gap
 * since it: a rise within `possible`, else `quarantined`; a fall is a `dip` (held base) under the dip
 * share, else a `rollover` when the width allows, else a `reset` to under half the base and within
 * `possible`, else `replaced`. A reading that bridges lost readings (`bridged` > 0) has the previous
 * one's time as `gap_from`, the start of the gap its energy spreads over (POINTS), else none. $1 devices,
 * $2-$4 the energy sent with register readings, $5 READING_INTERVAL_SECONDS, $6 MAX_POWER_KW,
 * $7 REGISTER_DIP_SHARE, $8 REGISTER_ROLLOVER_KWH (null: none). float8 throughout,
 * in the order of the contract's formulas, so that the figures are those a double computes; and
 * Math.round's half-up rounding, where PostgreSQL's round(float8) rounds half to even.
 */
const RECOMPUTED = (kind: Kind) => {
  const { history, device, energy, register } = TABLES[kind];
  return `
  WITH RECURSIVE sent AS (
    SELECT * FROM unnest($2::text[], $3::timestamptz[], $4::float8[]) AS s(id, ts, kwh)
  ), reg AS (
    SELECT h.${device} AS id, h.ts, h.${register} AS register,
           row_number() OVER (PARTITION BY h.${device} ORDER BY h.ts) AS n,
           (coalesce(d.reporting_interval_s, $5::int) * 1000)::float8 AS interval_ms
    FROM ${history} h LEFT JOIN device d ON d.id = h.${device}
    WHERE h.${device} = ANY($1::text[]) AND h.${register} IS NOT NULL
  ), walk AS (
    SELECT r.id, r.n, r.ts, coalesce(s.kwh, 0::float8) AS energy, r.register AS base, NULL::text AS event, 0 AS bridged,
           NULL::timestamptz AS previous
    FROM reg r LEFT JOIN sent s ON s.id = r.id AND s.ts = r.ts
    WHERE r.n = 1
    UNION ALL
    SELECT r.id, r.n, r.ts,
           CASE e.event WHEN 'quarantined' THEN 0 WHEN 'dip' THEN 0 WHEN 'replaced' THEN 0
                        WHEN 'rollover' THEN e.wrapped WHEN 'reset' THEN r.register ELSE e.increase END,
           CASE e.event WHEN 'dip' THEN w.base ELSE r.register END,
           e.event,
           CASE WHEN e.event IS NULL OR e.event IN ('rollover', 'dip')
                THEN greatest(0, floor(e.gap_ms / r.interval_ms + 0.5)::int - 1) ELSE 0 END,
           w.ts
    FROM walk w
    JOIN reg r ON r.id = w.id AND r.n = w.n + 1
    CROSS JOIN LATERAL (
      SELECT g.gap_ms, g.increase, g.wrapped,
             CASE
               WHEN g.increase >= 0 THEN CASE WHEN g.increase > g.possible THEN 'quarantined' END
               WHEN -g.increase < $7::float8 * w.base THEN 'dip'
               WHEN $8::float8 IS NOT NULL AND w.base <= $8::float8 AND g.wrapped <= g.possible THEN 'rollover'
               WHEN r.register < w.base / 2::float8 AND r.register <= g.possible THEN 'reset'
               ELSE 'replaced'
             END AS event
      FROM (
        SELECT gap_ms, least(($6::float8 * gap_ms) / 3600000::float8, 1000000::float8) AS possible,
               r.register - w.base AS increase, $8::float8 - w.base + r.register AS wrapped
        FROM (SELECT (extract(epoch FROM r.ts - w.ts) * 1000)::float8 AS gap_ms) AS gap
      ) AS g
    ) AS e
  )
  SELECT h.${device} AS id, h.ts,
         h.${energy} AS energy, h.register_base AS base, h.register_event AS event, h.bridged, h.gap_from,
         w.energy AS "energy'", w.base AS "base'", w.event AS "event'", w.bridged AS "bridged'",
         CASE WHEN w.bridged > 0 THEN w.previous END AS "gap_from'"
  FROM ${history} h JOIN walk w ON w.id = h.${device} AND w.ts = h.ts
  ORDER BY 1, 2`;
};

export interface DerivedRow {
  id: string;
  ts: Date;
  energy: number;
  base: number;
  event: string | null;
  bridged: number;
  gap_from: Date | null;
  "energy'": number;
  "base'": number;
  "event'": string | null;
  "bridged'": number;
  "gap_from'": Date | null;
}

/** Each stored register reading of the devices with its derived columns, and what the walk says they are. */
export async function recomputed(
  dataSource: DataSource,
  kind: Kind,
  ids: string[],
  sent: Array<{ id: string; ts: string; kwh: number }>,
  rules: Rules,
): Promise<Array<{ stored: object; walked: object }>> {
  const rows = await dataSource.query<DerivedRow[]>(RECOMPUTED(kind), [
    ids,
    sent.map((s) => s.id),
    sent.map((s) => s.ts),
    sent.map((s) => s.kwh),
    rules.interval,
    rules.maxPowerKw,
    rules.dipShare,
    rules.rolloverKwh ?? null,
  ]);
  return rows.map((r) => ({
    stored: {
      id: r.id,
      ts: r.ts.toISOString(),
      energy: r.energy,
      base: r.base,
      event: r.event,
      bridged: r.bridged,
      gapFrom: r.gap_from?.toISOString() ?? null,
    },
    walked: {
      id: r.id,
      ts: r.ts.toISOString(),
      energy: r["energy'"],
      base: r["base'"],
      event: r["event'"],
      bridged: r["bridged'"],
      gapFrom: r["gap_from'"]?.toISOString() ?? null,
    },
  }));
}

/**
 * Property 1: stored readings with a negative energy, and register readings with more energy than
 * MAX_POWER_KW could give over the time since the device's previous register reading ($2).
 */
export async function outOfBounds(dataSource: DataSource, kind: Kind, ids: string[], maxPowerKw: number) {
  const { history, device, energy, register } = TABLES[kind];
  return dataSource.query<object[]>(
    `SELECT id, ts, energy, previous FROM (
       SELECT ${device} AS id, ts, ${energy} AS energy, ${register} AS register,
              lag(ts) OVER (PARTITION BY ${device}, ${register} IS NULL ORDER BY ts) AS previous
       FROM ${history} WHERE ${device} = ANY($1::text[])
     ) r
     WHERE energy < 0
        OR (register IS NOT NULL AND previous IS NOT NULL
            AND energy > least(($2::float8 * (extract(epoch FROM ts - previous) * 1000)::float8) / 3600000::float8, 1e6::float8))
     ORDER BY 1, 2`,
    [ids, maxPowerKw],
  );
}

/**
 * Each device's live row, and its newest reading in history beside its newest register reading: the
 * live row carries both (the register one is what the next reading in time is measured from), and a
 * restatement of either restates the live row too.
 */
export async function liveAndNewest(dataSource: DataSource, kind: Kind, ids: string[]) {
  const { history, device, energy, register } = TABLES[kind];
  const rows = await dataSource.query<
    Array<{ id: string; live: Record<string, unknown> | null; newest: Record<string, unknown> | null }>
  >(
    `SELECT d.id,
            (SELECT to_jsonb(x) FROM (
               SELECT ts, ${energy} AS energy, register_ts, ${register} AS register, register_base AS base
               FROM ${kind}_live WHERE ${device} = d.id) x) AS live,
            (SELECT to_jsonb(x) FROM (
               SELECT n.ts, n.${energy} AS energy, r.ts AS register_ts, r.${register} AS register, r.register_base AS base
               FROM (SELECT ts, ${energy} FROM ${history} WHERE ${device} = d.id ORDER BY ts DESC LIMIT 1) n
               LEFT JOIN LATERAL (
                 SELECT ts, ${register}, register_base FROM ${history}
                 WHERE ${device} = d.id AND ${register} IS NOT NULL ORDER BY ts DESC LIMIT 1
               ) r ON true) x) AS newest
     FROM unnest($1::text[]) AS d(id)
     ORDER BY 1`,
    [ids],
  );
  return rows.map((r) => ({ live: { id: r.id, ...r.live }, newest: { id: r.id, ...r.newest } }));
}

/** A timestamptz expression in microseconds since the epoch, as an exact integer numeric. */
const micros = (at: string) => `(extract(epoch FROM ${at}) * 1000000)`;

/**
 * The points of one device's history rows (the spread rule of a gap's energy), one row per point. A
 * row that closes a gap (`bridged` = b > 0, the previous register reading at `gap_from` = f) stands for
 * b + 1 readings evenly spaced over (f, ts]: point i (1 … b+1) at f + i·(ts − f)/(b+1), the last at ts.
 * A row with b = 0 is one point at ts (f taken as ts, so that i·(ts − f) = 0). The oldest k points of a
 * row carry floor(M·k/(b+1)) of its M = (energy · 10⁶)::bigint micro-kWh, so point i carries the
 * difference to k = i − 1 (exact: numeric `div`, which truncates, and nothing is negative). A point's
 * time is kept multiplied by n = b + 1, in microseconds (`at_n` = f·n + i·(ts − f)), an exact integer
 * that `inside` compares with a span's ends times n, without rounding.
 */
const POINTS = (kind: Kind, deviceId: string) => {
  const { history, device, energy } = TABLES[kind];
  return `
    SELECT r.n, r.f * r.n + g.i * (r.t - r.f) AS at_n,
           div(r.m * g.i, r.n) - div(r.m * (g.i - 1), r.n) AS micro
    FROM ${history} h
    CROSS JOIN LATERAL (
      SELECT h.bridged + 1 AS n, ${micros('coalesce(h.gap_from, h.ts)')} AS f, ${micros('h.ts')} AS t,
             (h.${energy} * 1000000)::bigint::numeric AS m
    ) r
    CROSS JOIN LATERAL generate_series(1, r.n) AS g(i)
    WHERE h.${device} = ${deviceId}`;
};

/** Whether point `p` of POINTS lies in the span (lo, hi]: lo < f + i·(ts − f)/n <= hi, times n. */
const inside = (p: string, lo: string, hi: string) =>
  `${micros(lo)} * ${p}.n < ${p}.at_n AND ${p}.at_n <= ${micros(hi)} * ${p}.n`;

/** A device's readings (its points) and micro-kWh in the span (lo, hi], as columns `n` and `micro`. */
const SPAN = (kind: Kind, deviceId: string, lo: string, hi: string) => `
  SELECT count(*) AS n, coalesce(sum(p.micro), 0)::bigint AS micro
  FROM (${POINTS(kind, deviceId)}) p
  WHERE ${inside('p', lo, hi)}`;

/** Each session's stored figures, and what history's points in (started_at, ended_at] give. */
export async function sessionFigures(dataSource: DataSource, sessionIds: string[]) {
  return dataSource.query<
    Array<{
      id: string;
      stored: { ac: string | null; acReadings: string | null; dc: string | null; dcReadings: string | null };
      history: { ac: string; acReadings: string; dc: string; dcReadings: string };
    }>
  >(
    `SELECT c.id::text AS id,
            json_build_object('ac', c.kwh_ac_micro::text, 'acReadings', c.ac_readings::text,
                              'dc', c.kwh_dc_micro::text, 'dcReadings', c.dc_readings::text) AS stored,
            json_build_object('ac', m.micro::text, 'acReadings', m.n::text, 'dc', v.micro::text, 'dcReadings', v.n::text) AS history
     FROM charging_session c
     CROSS JOIN LATERAL (${SPAN('meter', 'c.meter_id', 'c.started_at', 'c.ended_at')}) m
     CROSS JOIN LATERAL (${SPAN('vehicle', 'c.vehicle_id', 'c.started_at', 'c.ended_at')}) v
     WHERE c.id::text = ANY($1::text[])
     ORDER BY c.started_at, c.id`,
    [sessionIds],
  );
}

/** The figures of a vehicle's efficiency that registers feed, as the answers give them. */
export interface Judgement {
  totalKwhConsumedAc: number;
  totalKwhDeliveredDc: number;
  kwhDeliveredDcOutsideSessions: number;
  efficiencyRatio: number | null;
  coverageAc: number | null;
  coverageDc: number | null;
  dataQuality: string[];
  lowEfficiency: boolean;
}

export const judged = (answer: Judgement): Judgement => ({
  totalKwhConsumedAc: answer.totalKwhConsumedAc,
  totalKwhDeliveredDc: answer.totalKwhDeliveredDc,
  kwhDeliveredDcOutsideSessions: answer.kwhDeliveredDcOutsideSessions,
  efficiencyRatio: answer.efficiencyRatio,
  coverageAc: answer.coverageAc,
  coverageDc: answer.coverageDc,
  dataQuality: [...answer.dataQuality].sort(),
  lowEfficiency: answer.lowEfficiency,
});

/*
 * A vehicle's figures over a window of the past ($1, $2], without a meter asked about, from history's
 * points (POINTS), its sessions and the registry (the analytics contract in docs/api.md): AC of each
 * session's meter and DC inside (session ∩ window), DC outside them, and coverage as the points inside
 * (the readings that arrived and those their gaps lost, each where the spread rule puts it) against one
 * per whole interval of each span. The window lies wholly in the past, so no reading is still owed.
 * $3 the vehicle, $4 READING_INTERVAL_SECONDS, $5 MIN_COVERAGE, $6 threshold.
 */
const JUDGEMENT = `
  WITH spans AS (
    SELECT meter_id, greatest(started_at, $1::timestamptz) AS a, least(ended_at, $2::timestamptz) AS b
    FROM charging_session
    WHERE vehicle_id = $3 AND started_at < $2::timestamptz AND ended_at > $1::timestamptz
  ),
  per_span AS (
    SELECT m.n AS ac_n, m.micro AS ac, v.n AS dc_n, v.micro AS dc,
           floor(extract(epoch FROM s.b - s.a) / coalesce(dm.reporting_interval_s, $4::int)) AS ac_x,
           floor(extract(epoch FROM s.b - s.a) / coalesce(dv.reporting_interval_s, $4::int)) AS dc_x
    FROM spans s
    LEFT JOIN device dm ON dm.id = s.meter_id AND dm.kind = 'meter'
    LEFT JOIN device dv ON dv.id = $3 AND dv.kind = 'vehicle'
    CROSS JOIN LATERAL (${SPAN('meter', 's.meter_id', 's.a', 's.b')}) m
    CROSS JOIN LATERAL (${SPAN('vehicle', '$3', 's.a', 's.b')}) v
  ),
  totals AS (
    SELECT count(*) AS spans, coalesce(sum(ac), 0) AS ac, coalesce(sum(dc), 0) AS dc,
           sum(ac_n) AS ac_n, sum(dc_n) AS dc_n, sum(ac_x) AS ac_x, sum(dc_x) AS dc_x,
           (SELECT w.micro FROM (${SPAN('vehicle', '$3', '$1::timestamptz', '$2::timestamptz')}) w) AS dc_window
    FROM per_span
  ),
  judged AS (
    SELECT t.*, round(t.dc / nullif(t.ac, 0), 3) AS ratio,
           CASE WHEN t.spans = 0 THEN NULL WHEN t.ac_x = 0 THEN 1 ELSE least(1, round(t.ac_n / t.ac_x, 3)) END AS cov_ac,
           CASE WHEN t.spans = 0 THEN NULL WHEN t.dc_x = 0 THEN 1 ELSE least(1, round(t.dc_n / t.dc_x, 3)) END AS cov_dc
    FROM totals t
  )
  SELECT ac / 1000000.0 AS ac, dc / 1000000.0 AS dc, (dc_window - dc) / 1000000.0 AS outside, ratio, cov_ac, cov_dc,
         flags, coalesce(ratio < $6 AND cardinality(flags) = 0, false) AS low, spans > 0 OR dc_window > 0 AS listed
  FROM judged j
  CROSS JOIN LATERAL (
    SELECT array_remove(ARRAY[
      CASE WHEN j.dc > j.ac THEN 'dc-exceeds-ac' END,
      CASE WHEN j.cov_ac < $5 THEN 'incomplete-ac' END,
      CASE WHEN j.cov_dc < $5 THEN 'incomplete-dc' END,
      CASE WHEN j.spans = 0 AND j.dc_window > 0 THEN 'no-session' END
    ], NULL)::text[] AS flags
  ) f`;

const numberOrNull = (value: string | null) => (value === null ? null : Number(value));

/** A vehicle's figures over the window from history, and whether the fleet list has it. */
export async function judgement(
  dataSource: DataSource,
  window: { from: string; to: string },
  vehicleId: string,
  settings: { interval: number; minCoverage: number; threshold: number },
): Promise<{ judgement: Judgement; listed: boolean }> {
  const [row] = await dataSource.query<
    Array<{
      ac: string;
      dc: string;
      outside: string;
      ratio: string | null;
      cov_ac: string | null;
      cov_dc: string | null;
      flags: string[];
      low: boolean;
      listed: boolean;
    }>
  >(JUDGEMENT, [window.from, window.to, vehicleId, settings.interval, settings.minCoverage, settings.threshold]);
  return {
    judgement: {
      totalKwhConsumedAc: Number(row.ac),
      totalKwhDeliveredDc: Number(row.dc),
      kwhDeliveredDcOutsideSessions: Number(row.outside),
      efficiencyRatio: numberOrNull(row.ratio),
      coverageAc: numberOrNull(row.cov_ac),
      coverageDc: numberOrNull(row.cov_dc),
      dataQuality: [...row.flags].sort(),
      lowEfficiency: row.low,
    },
    listed: row.listed,
  };
}
