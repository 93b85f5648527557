import fc from 'fast-check';

/*
 * Random small depots for the coverage property (coverage-property.test.ts): a few vehicles and
 * meters reporting for about six hours from a run's origin, with sessions, losses, late and repeated
 * readings, registry records, a window and a seal. Times are relative to the origin.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

const device = fc.record({
  /** Seconds between the readings it sends, whatever its registry record says. */
  cadence: fc.constantFrom(60, 60, 60, 120),
  /** Its registry record: none, one without an interval (the setting applies), or one stating an interval. */
  registered: fc.constantFrom<'no' | 'default' | number>('no', 'no', 'default', 60, 120, 300),
  /** Seconds past the minute its clock reports at. */
  phase: fc.constantFrom(0, 0, 17),
  /** The minutes it reports between: mostly all along, else a stretch (a device off or out of reach). */
  active: fc.oneof(
    { arbitrary: fc.constant([-40, 400]), weight: 2 },
    fc
      .tuple(fc.integer({ min: -30, max: 330 }), fc.integer({ min: 0, max: 390 }))
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
  ),
  /** The share of its readings lost on the way. */
  loss: fc.constantFrom(0, 0, 0, 0.02, 0.1, 0.5),
  efficiency: fc.double({ min: 0.6, max: 1.1, noNaN: true }),
});
export type Device = typeof device extends fc.Arbitrary<infer D> ? D : never;

const session = fc.record({
  vehicle: fc.nat(3),
  meter: fc.nat(2),
  /** Seconds, on a minute or not. */
  start: fc.oneof(
    fc.integer({ min: -40, max: 380 }).map((m) => m * 60),
    fc.integer({ min: -2_400, max: 22_800 }),
  ),
  /** Some are shorter than an interval: nothing is owed for them. */
  seconds: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 300, max: 3 * 3_600 })),
  /** `later`: written ongoing and closed after every reading arrived. */
  end: fc.constantFrom('closed', 'closed', 'closed', 'closed', 'closed', 'ongoing', 'later'),
});
type Planned = typeof session extends fc.Arbitrary<infer S> ? S : never;
export type Session = Planned & { stop: number; id?: string };

/** Any instant, with whole hours (the rollups' buckets, and for a past run its midnights) and reading minutes often. */
const instant = fc.oneof(
  fc.integer({ min: -20, max: 7 }).map((hour) => hour * HOUR),
  fc.integer({ min: -40, max: 400 }).map((minute) => minute * MINUTE),
  fc.integer({ min: -HOUR, max: 7 * HOUR }),
);

export const scenario = fc.record({
  vehicles: fc.array(device, { minLength: 2, maxLength: 4 }),
  meters: fc.array(device, { minLength: 1, maxLength: 3 }),
  sessions: fc.array(session, { minLength: 2, maxLength: 10 }),
  window: fc.oneof(
    fc.constant([-20 * HOUR, 7 * HOUR]),
    fc.uniqueArray(instant, { minLength: 2, maxLength: 2 }).map((pair) => pair.sort((a, b) => a - b)),
  ),
  /** Readings that arrive after the others (and after the seal, if any), and readings sent twice. */
  lateShare: fc.constantFrom(0, 0.15),
  repeatShare: fc.constantFrom(0, 0.05),
  sessionsWritten: fc.constantFrom('first', 'between', 'last'),
  /** The hour sealed after the first readings arrived, and the whole days before it. */
  sealedHour: fc.option(fc.integer({ min: -20, max: 7 })),
  /** Whether the closed sessions' energy and readings are counted, so that they are read as stored. */
  countedAtEnd: fc.boolean(),
  /** The fleet list's threshold when the query sets one. */
  threshold: fc.option(fc.constantFrom(0.5, 0.9, 1), { nil: undefined }),
  seed: fc.integer(),
});
export type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

/** The sessions the database takes: none overlapping another of its vehicle or of its meter, an ongoing one last. */
export function accepted(planned: Planned[], vehicles: number, meters: number): Session[] {
  const taken: Session[] = [];
  const until = (s: Session) => (s.end === 'closed' ? s.stop : Infinity);
  for (const plan of planned) {
    const s = {
      ...plan,
      vehicle: plan.vehicle % vehicles,
      meter: plan.meter % meters,
      stop: plan.start + plan.seconds,
    };
    const clash = taken.some(
      (o) => (o.vehicle === s.vehicle || o.meter === s.meter) && o.start < until(s) && s.start < until(o),
    );
    if (!clash) taken.push(s);
  }
  return taken.sort((a, b) => a.start - b.start);
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Every reading the devices send, on time ([0]) or late ([1]), at `at` of their seconds. A repeat of a
 * reading carries other figures: the first to arrive is the reading, the other is ignored.
 */
export function readings(
  s: Scenario,
  devices: Array<{ d: Device; id: string; kind: 'vehicle' | 'meter' }>,
  at: (ms: number) => string,
): object[][] {
  const random = noise(s.seed);
  const batches: object[][] = [[], []];
  const reading = (kind: 'vehicle' | 'meter', id: string, d: Device, timestamp: string) => {
    const kwh = random() < 0.03 ? 0 : round3((d.cadence / 60) * 0.5 * (0.9 + 0.2 * random()));
    return kind === 'meter'
      ? { meterId: id, timestamp, kwhConsumedAc: kwh, voltage: 230 }
      : { vehicleId: id, timestamp, kwhDeliveredDc: round3(kwh * d.efficiency), soc: 50, batteryTemp: 25 };
  };
  for (const { d, id, kind } of devices) {
    for (let sec = d.active[0] * 60 + d.phase; sec <= d.active[1] * 60; sec += d.cadence) {
      if (random() < d.loss) continue;
      const timestamp = at(sec * 1000);
      batches[random() < s.lateShare ? 1 : 0].push(reading(kind, id, d, timestamp));
      if (random() < s.repeatShare) batches[random() < 0.5 ? 1 : 0].push(reading(kind, id, d, timestamp));
    }
  }
  return batches;
}

/** A small seeded generator (mulberry32) for the per-reading noise of a scenario, so a run can be replayed. */
export function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}
