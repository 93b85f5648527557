import { ConflictError, NotFoundError } from '../errors/problem';
import { encodeAlarmCursor, type AlarmQuery } from './alarms.dto';
import type { AlarmRepository } from './alarms.repository';
import type { AlarmPage, AlarmView, AlarmWithHistory } from './alarms.responses';

const notFound = (id: string) => new NotFoundError(`No alarm ${id}.`);

/** What people do with alarms: look at them and acknowledge them. The service raises and clears them (AlarmCheck). */
export class AlarmService {
  constructor(
    private readonly repository: AlarmRepository,
    /** Told after a change has committed, so deliveries start at once rather than at the next poll. */
    private readonly changed: () => void = () => undefined,
  ) {}

  async list(query: AlarmQuery): Promise<AlarmPage> {
    // One row more than the page tells whether another page follows.
    const rows = await this.repository.list({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      alarms: page.map((row) => row.alarm),
      nextCursor: rows.length > query.limit && last ? encodeAlarmCursor(last.position) : null,
    };
  }

  async get(id: string): Promise<AlarmWithHistory> {
    const alarm = await this.repository.get(id);
    if (!alarm) throw notFound(id);
    return { ...alarm, history: await this.repository.history(id) };
  }

  /**
   * Acknowledging says a person has seen it; the alarm stays open until its condition is gone. Again on
   * an acknowledged alarm it changes nothing (a retried request, a second click); a cleared alarm is over.
   */
  async acknowledge(id: string, by: string | null, note: string | null): Promise<AlarmView> {
    const acknowledged = await this.repository.acknowledge(id, by, note);
    if (acknowledged) {
      this.changed();
      return acknowledged;
    }
    const alarm = await this.repository.get(id);
    if (!alarm) throw notFound(id);
    if (alarm.state === 'cleared') {
      throw new ConflictError(`Alarm ${id} cleared at ${alarm.clearedAt}; there is nothing left to acknowledge.`);
    }
    return alarm;
  }
}
