import type { ChargingSession } from '../entities';
import { ConflictError, NotFoundError } from '../errors/problem';
import { requireAfter, type NewSession, type SessionQuery } from './charging-session.dto';
import type { ChargingSessionRepository, SessionWrite } from './charging-session.repository';

export interface SessionView {
  id: string;
  vehicleId: string;
  meterId: string;
  startedAt: string;
  endedAt: string | null;
  createdAt: string;
}

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

function landed(write: SessionWrite, vehicleId: string): SessionView {
  if (!write.ok) {
    throw new ConflictError(`The session overlaps another charging session of vehicle ${vehicleId}.`, {
      conflictingSessionIds: write.overlapping,
    });
  }
  return view(write.session);
}

const missing = (id: string) => new NotFoundError(`Charging session ${id} does not exist.`);

export class ChargingSessionService {
  constructor(private readonly repository: ChargingSessionRepository) {}

  async start(session: NewSession): Promise<SessionView> {
    return landed(await this.repository.insert(session), session.vehicleId);
  }

  async end(id: string, endedAt: Date): Promise<SessionView> {
    const session = await this.repository.findById(id);
    if (!session) throw missing(id);
    // The start never changes once stored, so checking against it here cannot race another writer.
    requireAfter(session.startedAt, endedAt, 'endedAt', 'endedAt must be after the session start');
    const write = await this.repository.setEnd(session, endedAt);
    if (!write) throw missing(id);
    return landed(write, session.vehicleId);
  }

  async list(query: SessionQuery): Promise<SessionView[]> {
    return (await this.repository.list(query)).map(view);
  }
}
