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
const groupBy = <T>(items: T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

describe('fleet model', () => {
  const run = play(spec());

  it('delivers DC only inside sessions, and each session sums to AC × the vehicle efficiency', () => {
    const { model, sessions } = run;
    const vehicleReadings = groupBy(run.vehicleReadings, (r) => r.vehicleId);
    const meterReadings = groupBy(run.meterReadings, (r) => r.meterId);
    expect(sessions.length).toBeGreaterThan(spec().vehicles);
    for (const session of sessions) {
      const vehicle = model.vehicles.find((v) => v.vehicleId === session.vehicleId)!;
      const dc = sum(within(vehicleReadings.get(session.vehicleId)!, session).map((r) => r.kwhDeliveredDc));
      const ac = sum(within(meterReadings.get(session.meterId)!, session).map((r) => r.kwhConsumedAc));
      expect(dc).toBeGreaterThan(0);
      expect(Math.abs(dc - ac * vehicle.efficiency)).toBeLessThanOrEqual(ac * vehicle.efficiency * 0.011);
    }
    const charging = new Set(sessions.flatMap((session) => within(vehicleReadings.get(session.vehicleId)!, session)));
    expect(run.vehicleReadings.filter((r) => !charging.has(r) && r.kwhDeliveredDc !== 0)).toEqual([]);
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
    for (const readings of groupBy(run.vehicleReadings, (r) => r.vehicleId).values()) {
      // The minute's power follows the SOC it started from: the previous reading's.
      const after = (min: number, max: number) =>
        readings.filter((_, i) => i > 0 && readings[i - 1].soc >= min && readings[i - 1].soc < max);
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
    const shared = play(spec({ meters: 3, vehicles: 8, minutes: 12 * 60 }));
    for (const sessions of groupBy(shared.sessions, (s) => s.meterId).values()) {
      const sorted = [...sessions].sort((a, b) => a.from - b.from);
      sorted.slice(1).forEach((session, i) => expect(session.from).toBeGreaterThanOrEqual(sorted[i].to));
    }
  });

  it('makes round(share × fleet) vehicles faulty, at 0.75–0.82 against 0.88–0.94 for the rest', () => {
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
  const delivery = new Delivery({ lateShare: 0.02, retryShare: 0.03 }, seededRandom(3));
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
});
