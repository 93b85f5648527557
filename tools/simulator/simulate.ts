import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Delivery, type DisorderSpec, type Outgoing } from './delivery';
import type { ChargerProfile } from './depot';
import { deviceOf, fleetDevices, FleetModel, INTERVAL_MS, type FleetSpec, type WireReading } from './fleet-model';
import { seededRandom } from './random';
import { Registers, type RegisterSpec, type RegisterSummary } from './registers';
import { SessionKeeper } from './sessions';
import type { Failure, SimulatorClient } from './simulator.client';
import { Slots } from './slots';
import type { VehicleProfile } from './vehicle';

/** Simulated minutes per real minute, readings per real second, or no waiting at all. */
export type Pace = { kind: 'speed'; factor: number } | { kind: 'rate'; perSecond: number } | { kind: 'unpaced' };

/** `mixed`: meters go through a depot gateway in batches, vehicles post one reading at a time. */
export type SendMode = 'batch' | 'single' | 'mixed';

export interface SimulationOptions {
  fleet: FleetSpec;
  disorder: DisorderSpec;
  seed: number;
  pace: Pace;
  mode: SendMode;
  batchSize: number;
  concurrency: number;
  /** --registers: devices send their lifetime counters instead of each interval's energy. */
  registers?: RegisterSpec;
}

export interface Progress {
  minutesDone: number;
  minutesTotal: number;
  sent: number;
  stored: number;
  sessionsOpened: number;
}

export interface SimulationResult {
  from: Date;
  to: Date;
  vehicles: VehicleProfile[];
  chargers: ChargerProfile[];
  /**
   * Vehicle → the meters of its sessions the service accepted. Only a vehicle that charged has a ratio
   * analytics can judge, and only a charger that fed several vehicles can be told apart from them.
   */
  chargedAt: Map<string, Set<string>>;
  /** Devices that sent at least one reading: one whose every reading was lost has never reported. */
  reported: Set<string>;
  /** `queued`: lost on the link, but kept queued by their device and sent again (--registers). */
  readings: Record<
    'generated' | 'dropped' | 'queued' | 'sent' | 'late' | 'retries' | 'stored' | 'duplicates' | 'rejected' | 'failed',
    number
  >;
  sessions: Record<'opened' | 'closed' | 'failed', number>;
  requests: number;
  transientRetries: number;
  failures: Map<string, Failure>;
  /** With --registers, what the counters did. */
  registers?: RegisterSummary;
  /** Why the run ended before simulated time ran out, if it did. */
  stoppedEarly?: string;
  realMs: number;
}

// The delivery draws from a stream of its own, so that --late, --retries or --loss never change the fleet itself;
// and so do the registers, so that --registers and --resets change neither the fleet nor the delivery.
const DELIVERY_STREAM = 0x9e3779b9;
const REGISTER_STREAM = 0x85ebca6b;

function byDevice(readings: WireReading[]): WireReading[][] {
  const groups = new Map<string, WireReading[]>();
  for (const reading of readings) {
    const id = deviceOf(reading);
    const group = groups.get(id);
    if (group) group.push(reading);
    else groups.set(id, [reading]);
  }
  return [...groups.values()];
}

/** Plays the fleet against the service until simulated time runs out, then waits for every answer. */
export async function runSimulation(
  client: SimulatorClient,
  options: SimulationOptions,
  onProgress: (progress: Progress) => void = () => {},
): Promise<SimulationResult> {
  const model = new FleetModel(options.fleet, seededRandom(options.seed));
  const delivery = new Delivery(options.disorder, seededRandom(options.seed ^ DELIVERY_STREAM));
  const registers =
    options.registers &&
    new Registers(
      fleetDevices(options.fleet),
      options.registers,
      options.fleet.minutes,
      seededRandom(options.seed ^ REGISTER_STREAM),
    );
  const slots = new Slots(options.concurrency);
  const sessions = new SessionKeeper(client, slots);
  const readings = {
    generated: 0,
    dropped: 0,
    queued: 0,
    sent: 0,
    late: 0,
    retries: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
    failed: 0,
  };
  const reported = new Set<string>();
  const started = performance.now();
  let buffer: WireReading[] = [];

  const postBatch = (batch: WireReading[]) =>
    slots.submit(async () => {
      const answer = await client.postBatch(batch);
      if (answer.ok) {
        readings.stored += answer.body.stored;
        readings.duplicates += answer.body.duplicates;
        readings.rejected += answer.body.rejected;
      } else {
        readings[answer.status === '400' ? 'rejected' : 'failed'] += batch.length;
      }
    });

  // A device token writes for its own device only, so a batch is split by device as it goes out rather
  // than buffered per device: the buffer keeps its size, cadence and memory bound (not devices ×
  // --batch-size readings held back), and every reading still goes through /batch, whose answers count
  // stored, duplicates and rejected as before. Singles would have turned batch mode into single mode.
  const sendBatch = async (batch: WireReading[]) => {
    for (const group of client.perDevice ? byDevice(batch) : [batch]) await postBatch(group);
  };

  const sendOne = (reading: WireReading) =>
    slots.submit(async () => {
      const answer = await client.postReading(reading);
      if (answer.ok) readings[answer.body.duplicate ? 'duplicates' : 'stored'] += 1;
      else readings[answer.status === '400' ? 'rejected' : 'failed'] += 1;
    });

  const flush = async (all: boolean) => {
    while (buffer.length >= options.batchSize || (all && buffer.length > 0)) {
      await sendBatch(buffer.slice(0, options.batchSize));
      buffer = buffer.slice(options.batchSize);
    }
  };

  const send = async (outgoing: Outgoing[]) => {
    for (const { reading, kind } of outgoing) {
      readings.sent += 1;
      reported.add(deviceOf(reading));
      registers?.sent(reading);
      if (kind === 'late') readings.late += 1;
      if (kind === 'retry') readings.retries += 1;
      const single = options.mode === 'single' || (options.mode === 'mixed' && 'vehicleId' in reading);
      if (single) await sendOne(reading);
      else buffer.push(reading);
    }
    await flush(false);
  };

  const pacingDelay = (index: number): number => {
    const elapsed = performance.now() - started;
    const { pace } = options;
    if (pace.kind === 'speed') return (index * INTERVAL_MS) / pace.factor - elapsed;
    if (pace.kind === 'rate') return (readings.generated / pace.perSecond) * 1_000 - elapsed;
    return 0;
  };

  if (registers) {
    // Each counter's value at the start, sent as it stands: without it the first reading would have no
    // register before it, and the service nothing to count the first interval's energy from. It goes
    // straight out, neither lost, late nor retried, so the delivery draws for the minutes as without it.
    const baseline = registers.baseline(model.baseline());
    readings.generated += baseline.length;
    const wait = options.fleet.start.getTime() - Date.now();
    if (wait > 0) await sleep(wait);
    await send(baseline.map((reading) => ({ reading, kind: 'on-time' as const })));
  }

  for (let index = 0; !model.done && client.refused === undefined; index++) {
    // However fast the pace, a reading is never sent before its time: the service refuses the future.
    const wait = Math.max(pacingDelay(index), model.timeOf(index + 1).getTime() - Date.now());
    if (wait > 0) {
      await flush(true);
      await sleep(wait);
    }
    const tick = model.tick();
    readings.generated += tick.readings.length;
    for (const event of tick.events) await sessions.handle(event);
    if (registers) {
      // A session's first reading on both sides, stamped at the plug instant, is the transaction's begin
      // value: kept until delivered, so a gap before it never reaches into the session.
      const opening = new Set(
        tick.events.flatMap((event) => (event.kind === 'plug' ? [event.vehicleId, event.meterId] : [])),
      );
      delivery.recover(tick.index, (reading) => opening.has(deviceOf(reading)));
    }
    const wire = registers ? registers.convert(tick) : { readings: tick.readings, kept: undefined };
    await send(delivery.schedule(tick.index, wire.readings, wire.kept));
    readings.dropped = delivery.lost;
    readings.queued = delivery.queued;
    onProgress({
      minutesDone: index + 1,
      minutesTotal: options.fleet.minutes,
      sent: readings.sent,
      stored: readings.stored,
      sessionsOpened: sessions.counts.opened,
    });
  }
  if (client.refused === undefined) {
    await send(delivery.drain());
    await flush(true);
    for (const event of model.finish()) await sessions.handle(event);
  }
  await slots.idle();

  return {
    from: options.fleet.start,
    to: model.end,
    vehicles: model.vehicles,
    chargers: model.chargers,
    chargedAt: sessions.chargedAt,
    reported,
    readings,
    sessions: sessions.counts,
    requests: client.requests,
    transientRetries: client.transientRetries,
    failures: client.failures,
    registers: registers?.summary(),
    stoppedEarly: client.refused && `the service refused the simulator: ${client.refused}`,
    realMs: performance.now() - started,
  };
}
