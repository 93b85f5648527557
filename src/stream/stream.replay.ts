import { eventsOf, type Notification, type StreamEvent } from './stream.events';

interface Kept {
  notification: Notification;
  /** Parsed only when a client needs them: a process nobody follows never parses what it keeps. */
  events?: StreamEvent[];
}

/**
 * The newest notifications this process received, holding at least the newest `capacity` events
 * (whole notifications are kept or dropped, so up to one notification's worth more), for clients that
 * come back with Last-Event-ID. A client asking for an older event is told to reload.
 */
export class ReplayBuffer {
  private kept: Kept[] = [];
  private readonly byKey = new Map<string, Kept>();
  private events = 0;

  constructor(private readonly capacity: number) {}

  /** Keeps the notification and answers its events. */
  push(notification: Notification): void {
    const kept: Kept = { notification };
    this.kept.push(kept);
    this.byKey.set(notification.key, kept);
    this.events += notification.count;
    while (this.kept.length > 0 && this.events - this.kept[0].notification.count >= this.capacity) {
      const [oldest] = this.kept.splice(0, 1);
      this.byKey.delete(oldest.notification.key);
      this.events -= oldest.notification.count;
    }
  }

  /** The events of a notification just pushed, parsed once for every client. */
  eventsOf(notification: Notification): StreamEvent[] {
    const kept = this.byKey.get(notification.key);
    return kept ? parsed(kept) : eventsOf(notification);
  }

  /** The events received after the one with `id`, oldest first; undefined when that one is not kept. */
  after(id: string): StreamEvent[] | undefined {
    const dot = id.lastIndexOf('.');
    const kept = this.byKey.get(id.slice(0, dot));
    const index = Number(id.slice(dot + 1));
    if (!kept || !Number.isInteger(index) || index < 0 || index >= kept.notification.count) return undefined;
    const later = this.kept.slice(this.kept.indexOf(kept) + 1);
    return [...parsed(kept).slice(index + 1), ...later.flatMap(parsed)];
  }

  /** The newest event's id, for a client to resume from after a reset. */
  newestId(): string | undefined {
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const { key, count } = this.kept[i].notification;
      if (count > 0) return `${key}.${count - 1}`;
    }
    return undefined;
  }

  clear(): void {
    this.kept = [];
    this.byKey.clear();
    this.events = 0;
  }
}

function parsed(kept: Kept): StreamEvent[] {
  kept.events ??= eventsOf(kept.notification);
  return kept.events;
}
