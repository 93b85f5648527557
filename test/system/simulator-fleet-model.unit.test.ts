import { plan } from '../../tools/simulator/cli-options';
import { Delivery, type Outgoing } from '../../tools/simulator/delivery';
import {
  deviceOf,
  fleetDevices,
  FleetModel,
  INTERVAL_MS,
  type FleetSpec,
  type SessionEvent,
  type WireReading,
} from '../../tools/simulator/fleet-model';
import { seededRandom } from '../../tools/simulator/random';
import type { MeterIntervalReading, VehicleIntervalReading } from '../../tools/simulator/readings';
import type { RegisterSpec } from '../../tools/simulator/registers';
import { runSimulation, type SimulationOptions } from '../../tools/simulator/simulate';
import type { SimulatorClient } from '../../tools/simulator/simulator.client';

const START = new Date('2026-03-01T00:00:00.000Z');
const spec = (overrides: Partial<FleetSpec> = {}): FleetSpec => ({
  meters: 12,
  vehicles: 12,
  faultyShare: 0.25,
  faultyChargerShare: 0.25,
  start: START,
  minutes: 24 * 60,
  prefix: 'T',
  ...overrides,
});

interface Session {
  vehicleId: string;
  meterId: string;
  from: number;
  to: number;
}

/** Runs a whole simulated period and pairs each plug with its unplug. */
function play(fleet: FleetSpec, seed = 7) {
  const model = new FleetModel(fleet, seededRandom(seed));
  const ticks = [];
  while (!model.done) ticks.push(model.tick());
  const events: SessionEvent[] = [...ticks.flatMap((tick) => tick.events), ...model.finish()];
  const open = new Map<string, Session>();
  const sessions: Session[] = [];
  for (const event of events) {
    if (event.kind === 'plug') {
      expect(open.has(event.vehicleId)).toBe(false);
      open.set(event.vehicleId, {
        vehicleId: event.vehicleId,
        meterId: event.meterId,
        from: event.at.getTime(),
        to: NaN,
      });
    } else {
      const session = open.get(event.vehicleId)!;
      open.delete(event.vehicleId);
      sessions.push({ ...session, to: event.at.getTime() });
    }
  }
  expect(open.size).toBe(0);
  const readings = ticks.flatMap((tick) => tick.readings);
  const vehicleReadings = readings.filter((r): r is VehicleIntervalReading => 'vehicleId' in r);
  const meterReadings = readings.filter((r): r is MeterIntervalReading => 'meterId' in r);
  const byKey = new Map(vehicleReadings.map((r) => [`${r.vehicleId}@${Date.parse(r.timestamp)}`, r]));
  const vehicleAt = (vehicleId: string, at: number) => byKey.get(`${vehicleId}@${at}`);
  return { model, ticks, sessions, vehicleReadings, meterReadings, vehicleAt };
}

const inSession = (session: Session, timestamp: string) => {
  // A reading carries the minute that ends at its timestamp, so a session owns (plug, unplug].
  const at = Date.parse(timestamp);
  return at > session.from && at <= session.to;
};
const within = <T extends WireReading>(readings: T[], session: Session) =>
  readings.filter((r) => inSession(session, r.timestamp));
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
/** A session's DC and AC, and the ratio the vehicle and charger it paired should give. */
const ratioOf = (run: ReturnType<typeof play>, session: Session) => {
  const vehicle = run.model.vehicles.find((v) => v.vehicleId === session.vehicleId)!;
  const charger = run.model.chargers.find((c) => c.meterId === session.meterId)!;
  const vehicleReadings = run.vehicleReadings.filter((r) => r.vehicleId === session.vehicleId);
  const meterReadings = run.meterReadings.filter((r) => r.meterId === session.meterId);
  return {
    dc: sum(within(vehicleReadings, session).map((r) => r.kwhDeliveredDc)),
    ac: sum(within(meterReadings, session).map((r) => r.kwhConsumedAc)),
    expected: vehicle.efficiency * charger.efficiency,
  };
};
const groupBy = <T>(items: T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

describe('fleet model', () => {
  const run = play(spec());

  it('delivers DC only inside sessions, and each session sums to AC × the vehicle and charger efficiencies', () => {
    const { sessions } = run;
    const vehicleReadings = groupBy(run.vehicleReadings, (r) => r.vehicleId);
    expect(sessions.length).toBeGreaterThan(spec().vehicles);
    for (const session of sessions) {
      const { dc, ac, expected } = ratioOf(run, session);
      expect(dc).toBeGreaterThan(0);
      expect(Math.abs(dc - ac * expected)).toBeLessThanOrEqual(ac * expected * 0.011);
    }
    const charging = new Set(sessions.flatMap((session) => within(vehicleReadings.get(session.vehicleId)!, session)));
    expect(run.vehicleReadings.filter((r) => !charging.has(r) && r.kwhDeliveredDc !== 0)).toEqual([]);
  });

  it('moves each vehicle between chargers: several sessions a day, on several chargers, each shared', () => {
    const chargersOf = groupBy(run.sessions, (s) => s.vehicleId);
    expect(chargersOf.size).toBe(spec().vehicles);
    for (const sessions of chargersOf.values()) {
      expect(sessions.length).toBeGreaterThanOrEqual(4);
      expect(new Set(sessions.map((s) => s.meterId)).size).toBeGreaterThanOrEqual(3);
    }
    for (const sessions of groupBy(run.sessions, (s) => s.meterId).values()) {
      expect(new Set(sessions.map((s) => s.vehicleId)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('lowers the ratio of every session on a faulty charger, whichever vehicle it feeds', () => {
    const { model } = run;
    const faultyChargers = model.chargers.filter((c) => c.faulty);
    expect(faultyChargers).toHaveLength(3);
    expect(model.chargers.map((c) => c.efficiency).sort()).toEqual([0.85, 0.85, 0.85, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const healthy = run.sessions.filter((s) => !model.vehicles.find((v) => v.vehicleId === s.vehicleId)!.faulty);
    const ratios = groupBy(healthy, (s) => String(faultyChargers.some((c) => c.meterId === s.meterId)));
    const ratio = (session: Session) => {
      const { dc, ac } = ratioOf(run, session);
      return dc / ac;
    };
    // A healthy vehicle: above the 0.85 alert threshold on a healthy charger, clearly below it on a faulty one.
    expect(ratios.get('true')!.length).toBeGreaterThan(5);
    expect(Math.max(...ratios.get('true')!.map(ratio))).toBeLessThan(0.81);
    expect(Math.min(...ratios.get('false')!.map(ratio))).toBeGreaterThan(0.86);
  });

  it('keeps SOC within 0–100, rising exactly while DC flows, and every value inside the ingestion rules', () => {
    // Violations are collected rather than asserted one by one: tens of thousands of expect() calls crawl.
    const wrong: string[] = [];
    for (const readings of groupBy(run.vehicleReadings, (r) => r.vehicleId).values()) {
      readings.forEach((r, i) => {
        if (r.soc < 0 || r.soc > 100 || r.batteryTemp < 0 || r.batteryTemp > 60) {
          wrong.push(`out of range ${JSON.stringify(r)}`);
        }
        const rise = i === 0 ? 0 : r.soc - readings[i - 1].soc;
        if (r.kwhDeliveredDc > 0 ? rise < 0 : rise > 0) wrong.push(`soc moved against DC ${JSON.stringify(r)}`);
      });
    }
    for (const r of run.meterReadings) {
      if (r.kwhConsumedAc <= 0 || r.voltage < 380 || r.voltage > 410) wrong.push(`meter ${JSON.stringify(r)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('charges fast below 80 % and tapers above, warming the battery under high power', () => {
    let tapered = 0;
    const byVehicle = groupBy(run.vehicleReadings, (r) => r.vehicleId);
    // Session by session: a vehicle's full rate depends on the charger it happened to take.
    for (const session of run.sessions) {
      const readings = byVehicle.get(session.vehicleId)!;
      // The minute's power follows the SOC it started from: the previous reading's.
      const after = (min: number, max: number) =>
        readings.filter(
          (r, i) => i > 0 && inSession(session, r.timestamp) && readings[i - 1].soc >= min && readings[i - 1].soc < max,
        );
      const fullRate = Math.max(0, ...after(0, 75).map((r) => r.kwhDeliveredDc));
      const nearlyFull = after(90, 100).filter((r) => r.kwhDeliveredDc > 0);
      if (fullRate === 0) continue;
      tapered += nearlyFull.length;
      for (const reading of nearlyFull) expect(reading.kwhDeliveredDc).toBeLessThanOrEqual(fullRate * 0.51);
    }
    expect(tapered).toBeGreaterThan(0);

    const { vehicleAt } = run;
    // At 100 kW or more from the first minute (reported at its end), for at least five minutes.
    const minute = (from: number, n: number) => from + n * INTERVAL_MS;
    const fast = run.sessions.filter(
      ({ vehicleId, from, to }) =>
        vehicleAt(vehicleId, minute(from, 1))!.kwhDeliveredDc >= 100 / 60 && to - from >= 5 * INTERVAL_MS,
    );
    expect(fast.length).toBeGreaterThan(0);
    for (const { vehicleId, from } of fast) {
      const before = vehicleAt(vehicleId, from) ?? vehicleAt(vehicleId, minute(from, 1))!;
      expect(vehicleAt(vehicleId, minute(from, 5))!.batteryTemp).toBeGreaterThan(before.batteryTemp);
    }
  });

  it('gives a shared charger to one vehicle at a time', () => {
    for (const { sessions } of [run, play(spec({ meters: 3, vehicles: 8, minutes: 12 * 60 }))]) {
      for (const onCharger of groupBy(sessions, (s) => s.meterId).values()) {
        const sorted = [...onCharger].sort((a, b) => a.from - b.from);
        sorted.slice(1).forEach((session, i) => expect(session.from).toBeGreaterThanOrEqual(sorted[i].to));
      }
    }
  });

  it('makes round(share × fleet) vehicles faulty, at 0.75–0.82 against 0.88–0.94, and chargers only when asked', () => {
    const model = new FleetModel(spec({ vehicles: 100, faultyShare: 0.05 }), seededRandom(1));
    const faulty = model.vehicles.filter((v) => v.faulty);
    expect(faulty).toHaveLength(5);
    for (const v of model.vehicles) {
      const [min, max] = v.faulty ? [0.75, 0.82] : [0.88, 0.94];
      expect(v.efficiency).toBeGreaterThanOrEqual(min);
      expect(v.efficiency).toBeLessThanOrEqual(max);
    }
    const faultyOf = (fleet: Partial<FleetSpec>) =>
      new FleetModel(spec(fleet), seededRandom(1)).vehicles.filter((v) => v.faulty);
    expect(faultyOf({ vehicles: 5, faultyShare: 0.2 })).toHaveLength(1);
    expect(faultyOf({ faultyShare: 0 })).toHaveLength(0);
    expect(new FleetModel(spec({ faultyChargerShare: 0 }), seededRandom(1)).chargers.some((c) => c.faulty)).toBe(false);
  });

  it('replays the same fleet from the same seed', () => {
    const short = spec({ minutes: 90 });
    expect(play(short, 42).ticks).toEqual(play(short, 42).ticks);
    expect(play(short, 42).ticks).not.toEqual(play(short, 43).ticks);
  });

  it('stamps one reading per device per minute, at the end of the minute it describes', () => {
    const wrong = run.ticks.filter(
      (tick, index) =>
        tick.at.getTime() !== START.getTime() + index * INTERVAL_MS ||
        new Set(tick.readings.map(deviceOf)).size !== 24 ||
        tick.readings.length !== 24 ||
        tick.readings.some((r) => r.timestamp !== new Date(tick.at.getTime() + INTERVAL_MS).toISOString()),
    );
    expect(wrong).toEqual([]);
  });

  it('lists up front exactly the devices it plays, each of the kind its readings claim', () => {
    const devices = fleetDevices(spec({ vehicles: 7 }));
    const [tick] = play(spec({ vehicles: 7, minutes: 1 })).ticks;
    const played = tick.readings.map((r) => ({ id: deviceOf(r), kind: 'meterId' in r ? 'meter' : 'vehicle' }));
    expect(devices).toEqual(played);
    expect(devices).toHaveLength(12 + 7);
  });
});

describe('delivery', () => {
  const { ticks } = play(spec({ minutes: 6 * 60 }));
  const delivery = new Delivery({ lateShare: 0.02, retryShare: 0.03, lossShare: 0 }, seededRandom(3));
  const sent: Outgoing[] = [
    ...ticks.flatMap((tick) => delivery.schedule(tick.index, tick.readings)),
    ...delivery.drain(),
  ];
  const id = (item: Outgoing) => deviceOf(item.reading);
  const key = (item: Outgoing) => `${id(item)}@${item.reading.timestamp}`;

  it('sends every reading once, plus retries of readings it also sends', () => {
    const generated = ticks.flatMap((tick) => tick.readings);
    const firsts = sent.filter((item) => item.kind !== 'retry');
    expect(firsts).toHaveLength(generated.length);
    expect(new Set(firsts.map(key)).size).toBe(generated.length);
    const retries = sent.filter((item) => item.kind === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    expect(retries.every((item) => firsts.some((first) => first.reading === item.reading))).toBe(true);
  });

  it('keeps each device in time order except for the readings it holds back on purpose', () => {
    const newest = new Map<string, string>();
    const wrong: Outgoing[] = [];
    for (const item of sent) {
      const previous = newest.get(id(item)) ?? '';
      if (item.kind === 'on-time') {
        if (item.reading.timestamp <= previous) wrong.push(item);
        newest.set(id(item), item.reading.timestamp);
      } else if (item.kind === 'late' && item.reading.timestamp >= previous) {
        wrong.push(item);
      }
    }
    expect(wrong).toEqual([]);
    expect(sent.filter((item) => item.kind === 'late').length).toBeGreaterThan(0);
  });

  it('loses about the share asked, for good: a lost reading is never sent, late or retried', () => {
    const generated = ticks.flatMap((tick) => tick.readings);
    const lossy = () => {
      const link = new Delivery({ lateShare: 0.02, retryShare: 0.03, lossShare: 0.3 }, seededRandom(3));
      const out = [...ticks.flatMap((tick) => link.schedule(tick.index, tick.readings)), ...link.drain()];
      return { link, out };
    };
    const { link, out } = lossy();
    expect(link.lost / generated.length).toBeCloseTo(0.3, 1);
    const reached = new Set(out.map((item) => item.reading));
    expect(generated.length - reached.size).toBe(link.lost);
    expect(out.filter((item) => item.kind !== 'retry')).toHaveLength(reached.size);
    expect(lossy().out).toEqual(out);
  });
});

/** A service that accepts everything and remembers it: what a run sends, in the order it sends it. */
function recordingClient() {
  const posted: WireReading[] = [];
  const opened = new Map<string, { vehicleId: string; meterId: string; from: number; to: number }>();
  const client = {
    perDevice: false,
    refused: undefined,
    requests: 0,
    transientRetries: 0,
    failures: new Map(),
    postBatch: (batch: WireReading[]) => {
      posted.push(...batch);
      const body = { stored: batch.length, duplicates: 0, received: batch.length, rejected: 0 };
      return Promise.resolve({ ok: true, status: 200, body });
    },
    postReading: (reading: WireReading) => {
      posted.push(reading);
      return Promise.resolve({ ok: true, status: 201, body: { duplicate: false } });
    },
    openSession: (vehicleId: string, meterId: string, at: Date) => {
      const id = `S${opened.size}`;
      opened.set(id, { vehicleId, meterId, from: at.getTime(), to: NaN });
      return Promise.resolve({ ok: true, status: 201, body: { id } });
    },
    closeSession: (id: string, at: Date) => {
      opened.get(id)!.to = at.getTime();
      return Promise.resolve({ ok: true, status: 200, body: { id } });
    },
  };
  return { client: client as unknown as SimulatorClient, posted, sessions: () => [...opened.values()] };
}

const UNITS = 10_000;
const units = (kwh: number) => Math.round(kwh * UNITS);
const registerOf = (r: WireReading) =>
  'kwhRegisterAc' in r ? r.kwhRegisterAc : 'kwhRegisterDc' in r ? r.kwhRegisterDc : undefined;
const energyOf = (r: WireReading) =>
  'kwhConsumedAc' in r ? r.kwhConsumedAc : 'kwhDeliveredDc' in r ? r.kwhDeliveredDc : undefined;
const at = (r: WireReading) => Date.parse(r.timestamp);

/** Each device's readings as a service keeps them: one per timestamp, in time order. */
function stored(posted: WireReading[]): Map<string, WireReading[]> {
  const byDevice = groupBy(posted, deviceOf);
  for (const [id, readings] of byDevice) {
    const first = new Map<number, WireReading>();
    for (const r of readings) if (!first.has(at(r))) first.set(at(r), r);
    byDevice.set(
      id,
      [...first.values()].sort((a, b) => at(a) - at(b)),
    );
  }
  return byDevice;
}

/**
 * The interval energy (in 0.1 Wh) each stored reading stands for: its own, or its register's rise over the
 * previous one, as the service derives it for a counter that wraps at `widthKwh`, starts again from 0 or is
 * replaced (MAX_POWER_KW 1,000 kW).
 */
function intervals(readings: WireReading[], widthKwh?: number): Array<{ at: number; units: number }> {
  return readings.map((r, i) => {
    const register = registerOf(r);
    if (register === undefined) return { at: at(r), units: units(energyOf(r)!) };
    if (i === 0) return { at: at(r), units: 0 };
    const [before, now] = [units(registerOf(readings[i - 1])!), units(register)];
    const possible = ((1_000 * (at(r) - at(readings[i - 1]))) / 3_600_000) * UNITS;
    const wrapped = widthKwh === undefined ? Infinity : units(widthKwh) - before + now;
    const rise = now >= before ? now - before : wrapped <= possible ? wrapped : now;
    return { at: at(r), units: rise <= possible ? rise : 0 };
  });
}

describe('registers', () => {
  const fleet = spec({ meters: 6, vehicles: 8, minutes: 12 * 60, start: new Date('2026-02-01T00:00:00.000Z') });
  const simulate = async (lossShare: number, registers?: RegisterSpec) => {
    const recording = recordingClient();
    const options: SimulationOptions = {
      fleet,
      disorder: { lateShare: 0.02, retryShare: 0.02, lossShare },
      seed: 17,
      pace: { kind: 'unpaced' },
      mode: 'mixed',
      batchSize: 200,
      concurrency: 2,
      registers,
    };
    const result = await runSimulation(recording.client, options);
    return { ...recording, result, readings: stored(recording.posted) };
  };
  let plain: Awaited<ReturnType<typeof simulate>>;
  let plainLossy: Awaited<ReturnType<typeof simulate>>;
  let lossy: Awaited<ReturnType<typeof simulate>>;
  let resetting: Awaited<ReturnType<typeof simulate>>;
  const WIDTH = 50_000;
  beforeAll(async () => {
    plain = await simulate(0);
    plainLossy = await simulate(0.3);
    lossy = await simulate(0.3, { resetShare: 0 });
    resetting = await simulate(0.3, { resetShare: 0.5, widthKwh: WIDTH });
  });
  const sessionEnergy = (
    run: typeof plain,
    session: { vehicleId: string; meterId: string; from: number; to: number },
  ) => {
    const within = (id: string) =>
      sum(
        intervals(run.readings.get(id)!, run.result.registers?.spec.widthKwh)
          .filter((i) => i.at > session.from && i.at <= session.to)
          .map((i) => i.units),
      ) / UNITS;
    return { dc: within(session.vehicleId), ac: within(session.meterId) };
  };

  it('plays the same fleet: the same sessions, vehicles and chargers, with or without registers, loss or resets', () => {
    for (const run of [plainLossy, lossy, resetting]) {
      expect(run.sessions()).toEqual(plain.sessions());
      expect(run.result.vehicles).toEqual(plain.result.vehicles);
      expect(run.result.chargers).toEqual(plain.result.chargers);
    }
    expect(plain.sessions().length).toBeGreaterThan(20);
  });

  it('sends each device its counter instead of interval energy, from a baseline at the start, to four decimals', () => {
    const wrong: string[] = [];
    for (const [id, readings] of lossy.readings) {
      if (readings[0].timestamp !== fleet.start.toISOString()) wrong.push(`${id} starts at ${readings[0].timestamp}`);
      for (const r of readings) {
        const register = registerOf(r);
        if (register === undefined || energyOf(r) !== undefined)
          wrong.push(`not a register reading ${JSON.stringify(r)}`);
        else if (register < 0 || register > 1e9 || units(register) / UNITS !== register) wrong.push(JSON.stringify(r));
      }
    }
    expect(wrong).toEqual([]);
    // One baseline a device, besides its reading a minute.
    expect(lossy.result.readings.generated).toBe(plain.result.readings.generated + 14);
  });

  it('rises by exactly the interval energy the device would have sent, whatever was lost', () => {
    const wrong: string[] = [];
    for (const [id, readings] of plain.readings) {
      const rises = new Map(intervals(lossy.readings.get(id)!).map((i) => [i.at, i.units]));
      // What a lost reading carried, its next stored one carries.
      let owed = 0;
      for (const r of readings) {
        owed += units(energyOf(r)!);
        const rise = rises.get(at(r));
        if (rise === undefined) continue;
        if (rise !== owed) wrong.push(`${id} ${r.timestamp}: rose ${rise}, owed ${owed}`);
        owed = 0;
      }
    }
    expect(wrong).toEqual([]);
    expect(lossy.result.readings.dropped).toBeGreaterThan(0);
  });

  it('never loses the reading a session starts or ends on, of either side, and loses the others as the plain run does', () => {
    const keys = (run: typeof plain) =>
      new Set([...run.readings.values()].flat().map((r) => `${deviceOf(r)}@${at(r)}`));
    const [inPlainLossy, inLossy] = [keys(plainLossy), keys(lossy)];
    const sent = (run: typeof plain, id: string, time: number) =>
      (run === lossy ? inLossy : inPlainLossy).has(`${id}@${time}`);
    // A session's begin and end values, each once: a meter's one session may end where its next begins.
    const ends = [
      ...new Set(
        plain
          .sessions()
          .flatMap((s) => [s.from, s.to].flatMap((time) => [`${s.vehicleId}@${time}`, `${s.meterId}@${time}`])),
      ),
    ];
    // A session from the run's first instant begins on the counters' baseline, which always goes out.
    const taken = keys(plain);
    const lostEnds = ends.filter((key) => {
      if (!taken.has(key)) return false;
      const [id, time] = key.split('@');
      return !sent(plainLossy, id, Number(time));
    });
    expect(lostEnds.length).toBeGreaterThan(0);
    const kept = new Set(ends);
    const wrong: string[] = [];
    for (const [id, readings] of plain.readings) {
      for (const r of readings) {
        const key = `${id}@${at(r)}`;
        const inRegisters = sent(lossy, id, at(r));
        if (kept.has(key) ? !inRegisters : inRegisters !== sent(plainLossy, id, at(r))) wrong.push(key);
      }
    }
    expect(wrong).toEqual([]);
    expect(lossy.result.readings.queued).toBe(lostEnds.length);
    expect(lossy.result.readings.dropped).toBe(plainLossy.result.readings.dropped - lostEnds.length);
  });

  it('gives every session the energy of the lossless plain run, on both sides', () => {
    for (const session of plain.sessions()) {
      // Its first and last readings always arrive, so every gap lies wholly inside a session or outside
      // all: the service spreads none across a session's edge.
      const truth = sessionEnergy(plain, session);
      const registers = sessionEnergy(lossy, session);
      expect({ ...session, ...registers }).toEqual({
        ...session,
        dc: expect.closeTo(truth.dc, 9),
        ac: expect.closeTo(truth.ac, 9),
      });
    }
  });

  it('resets, replaces or rolls over the counters of the share asked, each between sessions or at the width', () => {
    const summary = resetting.result.registers!;
    expect(summary.fates.size).toBe(7);
    expect(new Set(summary.fates.values())).toEqual(new Set(['reset', 'replaced', 'rollover']));
    expect([...summary.fates.keys()].every((id) => summary.events.some((e) => e.deviceId === id))).toBe(true);
    const sessions = plain.sessions();
    const wrong: string[] = [];
    for (const event of summary.events) {
      const readings = resetting.readings.get(event.deviceId)!;
      const i = readings.findIndex((r) => r.timestamp === event.timestamp);
      const time = Date.parse(event.timestamp);
      const [before, after] = [registerOf(readings[i - 1])!, registerOf(readings[i])!];
      const energy = energyOf(plain.readings.get(event.deviceId)!.find((r) => at(r) === time)!)!;
      const inSession = sessions.some(
        (s) => (s.vehicleId === event.deviceId || s.meterId === event.deviceId) && time > s.from && time <= s.to,
      );
      if (event.fate === 'reset' || event.fate === 'replaced') {
        // Never lost, and in a minute outside any session of the device.
        if (i === -1 || inSession) wrong.push(`${event.fate} ${event.deviceId} ${event.timestamp}`);
        else if (event.fate === 'reset' && units(after) !== units(energy)) wrong.push(`reset to ${after}`);
        else if (event.fate === 'replaced' && Math.abs(after - before) < before * 0.25) wrong.push(`replaced ${after}`);
      } else if (i !== -1 && !(after < before && before > WIDTH - 3)) {
        wrong.push(`rollover ${event.deviceId} ${before} → ${after}`);
      }
    }
    expect(wrong).toEqual([]);
    const registers = [...resetting.readings.values()].flat().map((r) => registerOf(r)!);
    expect(Math.max(...registers)).toBeLessThan(WIDTH);
    // What resets cost is idle energy only, and counted: every session still has its energy on the DC side.
    for (const session of sessions) {
      expect(sessionEnergy(resetting, session).dc).toBeCloseTo(sessionEnergy(plain, session).dc, 9);
    }
  });

  it('counts exactly the energy of the plain run for each device up to its latest reading sent, and the rest apart', () => {
    for (const run of [lossy, resetting]) {
      const { countedKwh, unsentKwh } = run.result.registers!;
      for (const [id, readings] of plain.readings) {
        const latest = at(run.readings.get(id)!.at(-1)!);
        const upTo = sum(readings.filter((r) => at(r) <= latest).map((r) => energyOf(r)!));
        expect(countedKwh.get(id)).toBeCloseTo(upTo, 9);
        expect(countedKwh.get(id)! + unsentKwh.get(id)!).toBeCloseTo(sum(readings.map((r) => energyOf(r)!)), 9);
      }
      expect([...unsentKwh.values()].some((kwh) => kwh > 0)).toBe(true);
    }
  });

  it('takes --registers, --resets and --register-width together only', () => {
    const base = ['--as-fast-as-possible', '--seed', '1'];
    const options = (args: string[]) => {
      const planned = plan([...base, ...args], {});
      if (planned === 'help') throw new Error('help');
      return planned.simulation.registers;
    };
    expect(options([])).toBeUndefined();
    expect(options(['--registers'])).toEqual({ resetShare: 0 });
    expect(options(['--registers', '--resets', '30%', '--register-width', '99999.9'])).toEqual({
      resetShare: 0.3,
      widthKwh: 99_999.9,
    });
    expect(() => options(['--resets', '0.1'])).toThrow('--resets only applies with --registers');
    expect(() => options(['--register-width', '100000'])).toThrow('--register-width only applies with --registers');
    expect(() => options(['--registers', '--register-width', '5000'])).toThrow('--register-width must be');
  });
});
