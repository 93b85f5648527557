import type { StreamFilter } from './stream.dto';
import { frameOf, type StreamEvent } from './stream.events';

/** Where a client's frames go; the HTTP side knows what the client has not taken yet and how to cut it off. */
export interface StreamSink {
  send(frames: string | Buffer): void;
  /** The service is done with this client: the process is stopping, or its listener was lost. */
  end(): void;
  /** Bytes sent to this client that it has not taken yet and this process still holds. */
  queuedBytes(): number;
  /** Cuts the client off at once, discarding what it has not taken; it comes back with Last-Event-ID. */
  drop(): void;
}

export interface Subscriber {
  filter: StreamFilter;
  sink: StreamSink;
}

export function matches({ vehicleId, meterId }: StreamFilter, event: StreamEvent): boolean {
  if (vehicleId === undefined && meterId === undefined) return true;
  return (
    (vehicleId !== undefined && vehicleId === event.devices.vehicleId) ||
    (meterId !== undefined && meterId === event.devices.meterId)
  );
}

/** The clients with the same filter: what a delivery sends them is built once and shared by all of them. */
interface Group {
  filter: StreamFilter;
  members: Set<Subscriber>;
}

// Ids never hold a space (the id rule allows only letters, digits and . _ : -).
const keyOf = ({ vehicleId, meterId }: StreamFilter) => `${vehicleId ?? ''} ${meterId ?? ''}`;
const EVERYTHING = keyOf({});

/**
 * The clients of this process, grouped by filter and indexed by the device each group follows, so
 * delivering an event costs the groups that want it rather than every client. An event names one
 * device, so no group is reached twice through the indexes.
 *
 * What is queued for clients that read slower than events come is bounded across all of them: past
 * `budgetBytes`, those furthest behind are dropped first until the rest fits.
 */
export class Subscribers {
  private readonly all = new Set<Subscriber>();
  private readonly groups = new Map<string, Group>();
  private readonly byVehicle = new Map<string, Set<Group>>();
  private readonly byMeter = new Map<string, Set<Group>>();

  constructor(
    private readonly budgetBytes = Infinity,
    private readonly onDropped: (clients: number, droppedBytes: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** Call once what the subscriber is owed from before has been sent: that counts against the budget too. */
  add(subscriber: Subscriber): void {
    const key = keyOf(subscriber.filter);
    let group = this.groups.get(key);
    if (!group) {
      group = { filter: subscriber.filter, members: new Set() };
      this.groups.set(key, group);
      indexed(this.byVehicle, group.filter.vehicleId)?.add(group);
      indexed(this.byMeter, group.filter.meterId)?.add(group);
    }
    group.members.add(subscriber);
    this.all.add(subscriber);
    this.fitBudget();
  }

  delete(subscriber: Subscriber): void {
    if (!this.all.delete(subscriber)) return;
    const key = keyOf(subscriber.filter);
    const group = this.groups.get(key);
    group?.members.delete(subscriber);
    if (!group || group.members.size > 0) return;
    this.groups.delete(key);
    unindex(this.byVehicle, group.filter.vehicleId, group);
    unindex(this.byMeter, group.filter.meterId, group);
  }

  /** Each event's frame to the groups that follow its device, one shared buffer and one write per client. */
  deliver(events: StreamEvent[]): void {
    if (this.all.size === 0) return;
    const frames = new Map<Group, string[]>();
    const everything = this.groups.get(EVERYTHING);
    for (const event of events) {
      const { vehicleId, meterId } = event.devices;
      const reached = [
        ...(everything ? [everything] : []),
        ...(vehicleId === undefined ? [] : (this.byVehicle.get(vehicleId) ?? [])),
        ...(meterId === undefined ? [] : (this.byMeter.get(meterId) ?? [])),
      ];
      for (const group of reached) {
        const list = frames.get(group);
        if (list) list.push(frameOf(event));
        else frames.set(group, [frameOf(event)]);
      }
    }
    for (const [group, list] of frames) {
      // A client that falls behind keeps a reference to this buffer in its socket's queue, not a copy of it.
      const chunk = Buffer.from(list.join(''));
      for (const subscriber of group.members) subscriber.sink.send(chunk);
    }
    this.fitBudget();
  }

  /** Ends every client and forgets it. */
  endAll(): void {
    const ended = [...this.all];
    this.all.clear();
    this.groups.clear();
    this.byVehicle.clear();
    this.byMeter.clear();
    for (const subscriber of ended) subscriber.sink.end();
  }

  /**
   * Drops the clients with the most queued until the total fits the budget again. A buffer shared by
   * several clients counts once for each, so the total is what they would hold with nothing shared.
   */
  private fitBudget(): void {
    let total = 0;
    for (const { sink } of this.all) total += sink.queuedBytes();
    if (total <= this.budgetBytes) return;
    const behind = [...this.all]
      .map((subscriber) => ({ subscriber, queued: subscriber.sink.queuedBytes() }))
      .sort((a, b) => b.queued - a.queued);
    let [clients, droppedBytes] = [0, 0];
    for (const { subscriber, queued } of behind) {
      if (total - droppedBytes <= this.budgetBytes) break;
      this.delete(subscriber);
      subscriber.sink.drop();
      clients += 1;
      droppedBytes += queued;
    }
    this.onDropped(clients, droppedBytes);
  }
}

function indexed(index: Map<string, Set<Group>>, key: string | undefined): Set<Group> | undefined {
  if (key === undefined) return undefined;
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  return set;
}

function unindex(index: Map<string, Set<Group>>, key: string | undefined, group: Group): void {
  if (key === undefined) return;
  const set = index.get(key);
  set?.delete(group);
  if (set?.size === 0) index.delete(key);
}
