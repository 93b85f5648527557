import type { SessionEvent } from './fleet-model';
import type { Slots } from './slots';
import type { SimulatorClient } from './simulator.client';

/**
 * Opens and closes the charging sessions on the service as vehicles plug in and unplug. A session's end
 * can only be sent once its start has answered with an id, and as a meter feeds one session at a time, a
 * plug waits until the meter's previous session is closed.
 */
export class SessionKeeper {
  readonly counts = { opened: 0, closed: 0, failed: 0 };
  /** Vehicle → the meters of the sessions the service accepted: which chargers fed which vehicles. */
  readonly chargedAt = new Map<string, Set<string>>();
  private readonly sessionIds = new Map<string, Promise<string | undefined>>();
  private readonly meterOf = new Map<string, string>();
  private readonly meterFree = new Map<string, Promise<void>>();

  constructor(
    private readonly client: SimulatorClient,
    private readonly slots: Slots,
  ) {}

  handle(event: SessionEvent): Promise<void> {
    return event.kind === 'plug' ? this.open(event.vehicleId, event.meterId, event.at) : this.close(event);
  }

  private async open(vehicleId: string, meterId: string, at: Date): Promise<void> {
    let settle: (id: string | undefined) => void = () => {};
    this.sessionIds.set(vehicleId, new Promise((resolve) => (settle = resolve)));
    this.meterOf.set(vehicleId, meterId);
    const free = this.meterFree.get(meterId);
    await this.slots.submit(async () => {
      await free;
      const answer = await this.client.openSession(vehicleId, meterId, at);
      if (answer.ok) {
        this.counts.opened += 1;
        const meters = this.chargedAt.get(vehicleId) ?? new Set<string>();
        this.chargedAt.set(vehicleId, meters.add(meterId));
      } else {
        this.counts.failed += 1;
      }
      settle(answer.ok ? answer.body.id : undefined);
    });
  }

  private async close({ vehicleId, at }: SessionEvent): Promise<void> {
    const opening = this.sessionIds.get(vehicleId);
    this.sessionIds.delete(vehicleId);
    let closed: () => void = () => {};
    const meterId = this.meterOf.get(vehicleId);
    if (meterId !== undefined) this.meterFree.set(meterId, new Promise((resolve) => (closed = resolve)));
    await this.slots.submit(async () => {
      try {
        const id = await opening;
        if (id === undefined) return;
        const answer = await this.client.closeSession(id, at);
        this.counts[answer.ok ? 'closed' : 'failed'] += 1;
      } finally {
        closed();
      }
    });
  }
}
