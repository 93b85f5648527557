import type { StreamFilter } from './stream.dto';
import { frameOf, type StreamEvent } from './stream.events';

/** Where a client's frames go; the HTTP side decides what to do with a client too slow to take them. */
export interface StreamSink {
  send(frames: string): void;
  /** The service is done with this client: the process is stopping, or its listener was lost. */
  end(): void;
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

/**
 * The clients of this process, indexed by the device they follow, so delivering an event costs the
 * clients that want it rather than every client. An event names one device, so no client is reached
 * twice through the indexes.
 */
export class Subscribers {
  private readonly all = new Set<Subscriber>();
  private readonly everything = new Set<Subscriber>();
  private readonly byVehicle = new Map<string, Set<Subscriber>>();
  private readonly byMeter = new Map<string, Set<Subscriber>>();

  get size(): number {
    return this.all.size;
  }

  add(subscriber: Subscriber): void {
    const { vehicleId, meterId } = subscriber.filter;
    this.all.add(subscriber);
    if (vehicleId === undefined && meterId === undefined) this.everything.add(subscriber);
    if (vehicleId !== undefined) indexed(this.byVehicle, vehicleId).add(subscriber);
    if (meterId !== undefined) indexed(this.byMeter, meterId).add(subscriber);
  }

  delete(subscriber: Subscriber): void {
    if (!this.all.delete(subscriber)) return;
    this.everything.delete(subscriber);
    unindex(this.byVehicle, subscriber.filter.vehicleId, subscriber);
    unindex(this.byMeter, subscriber.filter.meterId, subscriber);
  }

  /** Each event's frame to the clients that follow its device, one write per client. */
  deliver(events: StreamEvent[]): void {
    if (this.all.size === 0) return;
    const frames = new Map<Subscriber, string[]>();
    for (const event of events) {
      const groups = [
        this.everything,
        event.devices.vehicleId === undefined ? undefined : this.byVehicle.get(event.devices.vehicleId),
        event.devices.meterId === undefined ? undefined : this.byMeter.get(event.devices.meterId),
      ];
      for (const subscriber of groups.flatMap((group) => [...(group ?? [])])) {
        const list = frames.get(subscriber);
        if (list) list.push(frameOf(event));
        else frames.set(subscriber, [frameOf(event)]);
      }
    }
    for (const [subscriber, list] of frames) subscriber.sink.send(list.join(''));
  }

  /** Ends every client and forgets it. */
  endAll(): void {
    const ended = [...this.all];
    this.all.clear();
    this.everything.clear();
    this.byVehicle.clear();
    this.byMeter.clear();
    for (const subscriber of ended) subscriber.sink.end();
  }
}

function indexed(index: Map<string, Set<Subscriber>>, key: string): Set<Subscriber> {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  return set;
}

function unindex(index: Map<string, Set<Subscriber>>, key: string | undefined, subscriber: Subscriber): void {
  if (key === undefined) return;
  const set = index.get(key);
  set?.delete(subscriber);
  if (set?.size === 0) index.delete(key);
}
