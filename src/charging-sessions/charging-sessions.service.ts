import type { ChargingSession } from '../entities';
import { ConflictError, NotFoundError } from '../errors/problem';
import { requireAfter, type NewSession, type SessionQuery } from './charging-sessions.dto';
import type { Busy, ChargingSessionRepository, SessionWrite } from './charging-sessions.repository';
import type { SessionView } from './charging-sessions.responses';

export type { SessionView } from './charging-sessions.responses';

function view({ id, vehicleId, meterId, startedAt, endedAt, createdAt }: ChargingSession): SessionView {
  return {
    id,
    vehicleId,
    meterId,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt ? endedAt.toISOString() : null,
    createdAt: createdAt.toISOString(),
  };
}

type Devices = Pick<ChargingSession, 'vehicleId' | 'meterId'>;

/**
 * What was busy, from the sessions in the way: the vehicle when one of them is its own, the meter
 * when one of them is another vehicle's on it. The rule the database hit stands in when none is found
 * any more (a concurrent PATCH may have shortened it meanwhile).
 */
function busy(write: Extract<SessionWrite, { ok: false }>): Set<Busy> {
  const found = new Set<Busy>();
  for (const { sameVehicle, sameMeter } of write.conflicts) {
    if (sameVehicle) found.add('vehicle');
    else if (sameMeter) found.add('meter');
  }
  return found.size > 0 ? found : new Set([write.refusedBy]);
}

const REASONS: Record<Busy, (devices: Devices) => string> = {
  vehicle: ({ vehicleId }) => `vehicle ${vehicleId} already has a charging session in that period`,
  meter: ({ meterId }) =>
    `meter ${meterId} already feeds another vehicle in that period, and a meter feeds one at a time`,
};

/** The order the reasons are told in. */
const KINDS: Busy[] = ['vehicle', 'meter'];

function landed(write: SessionWrite, devices: Devices): SessionView {
  if (!write.ok) {
    const what = busy(write);
    const reasons = KINDS.filter((kind) => what.has(kind)).map((kind) => REASONS[kind](devices));
    throw new ConflictError(`The session overlaps another: ${reasons.join('; ')}.`, {
      conflictingSessionIds: write.conflicts.map((conflict) => conflict.id),
    });
  }
  return view(write.session);
}

const missing = (id: string) => new NotFoundError(`Charging session ${id} does not exist.`);

export interface ChargingSessionHooks {
  /** A session was stored with an end, or given one: called after the write, not awaited. */
  closed?: (session: SessionView) => void;
}

export class ChargingSessionService {
  constructor(
    private readonly repository: ChargingSessionRepository,
    private readonly hooks: ChargingSessionHooks = {},
  ) {}

  async start(session: NewSession): Promise<SessionView> {
    const started = landed(await this.repository.insert(session), session);
    if (started.endedAt !== null) this.hooks.closed?.(started);
    return started;
  }

  /** `mayChange` throws when the caller may not change sessions on the session's meter. */
  async end(id: string, endedAt: Date, mayChange: (meterId: string) => void): Promise<SessionView> {
    const session = await this.repository.findById(id);
    if (!session) throw missing(id);
    mayChange(session.meterId);
    // The start never changes once stored, so checking against it here cannot race another writer.
    requireAfter(session.startedAt, endedAt, 'endedAt', 'endedAt must be after the session start');
    const write = await this.repository.setEnd(session, endedAt);
    if (!write) throw missing(id);
    const ended = landed(write, session);
    this.hooks.closed?.(ended);
    return ended;
  }

  async list(query: SessionQuery): Promise<SessionView[]> {
    return (await this.repository.list(query)).map(view);
  }
}
