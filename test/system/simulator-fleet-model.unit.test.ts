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
import type { MeterReadingDto, VehicleReadingDto } from '../../src/ingestion/ingestion.dto';

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
  const vehicleReadings = readings.filter((r): r is VehicleReadingDto => 'vehicleId' in r);
  const meterReadings = readings.filter((r): r is MeterReadingDto => 'meterId' in r);
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
