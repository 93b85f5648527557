import type { DataSource, EntityManager } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import { announceStatement, alarmPayload } from '../stream/stream.public';
import { ENQUEUE_DELIVERIES, webhookBody } from '../webhooks/webhooks.public';
import type { AlarmPosition, AlarmQuery } from './alarms.dto';
import type {
  AlarmChange,
  AlarmEvent,
  AlarmHistoryEntry,
  AlarmState,
  AlarmSuspect,
  AlarmType,
  AlarmView,
  SubjectKind,
} from './alarms.responses';

/** An alarm's columns, of the row `a`. */
const COLUMNS = `a.id, a.type, a.subject_kind, a.subject_id, a.state, a.summary, a.details, a.suspect, a.suspect_id,
  a.suspect_reason, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.acknowledge_note, a.cleared_at,
  to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position`;

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const ALARM_STATEMENTS = {
  list: sql`
    SELECT ${COLUMNS} FROM alarm a
    WHERE state = ANY ($1) AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR subject_id = $3)
      AND ($4::timestamptz IS NULL OR (raised_at, id) < ($4, $5::uuid))
    ORDER BY raised_at DESC, id DESC
    LIMIT $6`,
  get: sql`SELECT ${COLUMNS} FROM alarm a WHERE id = $1`,
  history: sql`SELECT change, at, by, note FROM alarm_change WHERE alarm_id = $1 ORDER BY at, array_position(ARRAY['raised', 'acknowledged', 'cleared'], change)`,
  open: sql`SELECT ${COLUMNS} FROM alarm a WHERE state <> 'cleared'`,
  openByType: sql`SELECT type, count(*)::int AS open FROM alarm WHERE state <> 'cleared' GROUP BY type`,
  /** A second replica raising the same alarm at once finds the first one's row and raises nothing. */
  raise: sql`
    WITH raised AS (
      INSERT INTO alarm (type, subject_kind, subject_id, summary, details, suspect, suspect_id, suspect_reason)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (subject_kind, subject_id, type) WHERE state <> 'cleared' DO NOTHING
      RETURNING *
    ), change AS (
      INSERT INTO alarm_change (alarm_id, change, at) SELECT id, 'raised', raised_at FROM raised RETURNING id
    )
    SELECT ${COLUMNS}, change.id AS change_id FROM raised a, change`,
  clear: sql`
    WITH cleared AS (
      UPDATE alarm SET state = 'cleared', cleared_at = now() WHERE id = $1 AND state <> 'cleared' RETURNING *
    ), change AS (
      INSERT INTO alarm_change (alarm_id, change, at, note) SELECT id, 'cleared', cleared_at, $2 FROM cleared RETURNING id
    )
    SELECT ${COLUMNS}, change.id AS change_id FROM cleared a, change`,
  acknowledge: sql`
    WITH acknowledged AS (
      UPDATE alarm SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2, acknowledge_note = $3
      WHERE id = $1 AND state = 'active'
      RETURNING *
    ), change AS (
      INSERT INTO alarm_change (alarm_id, change, at, by, note)
      SELECT id, 'acknowledged', acknowledged_at, $2, $3 FROM acknowledged RETURNING id
    )
    SELECT ${COLUMNS}, change.id AS change_id FROM acknowledged a, change`,
  /** Who is suspected may become clear after the alarm was raised; told quietly, not as a change. */
  suspect: sql`
    UPDATE alarm SET suspect = $2, suspect_id = $3, suspect_reason = $4
    WHERE id = $1 AND state <> 'cleared' AND (suspect, suspect_id, suspect_reason) IS DISTINCT FROM ($2, $3, $4)`,
};

interface AlarmRow {
  id: string;
  type: AlarmType;
  subject_kind: SubjectKind;
  subject_id: string;
  state: AlarmState;
  summary: string;
  details: Record<string, unknown>;
  suspect: AlarmSuspect['kind'] | null;
  suspect_id: string | null;
  suspect_reason: string | null;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledge_note: string | null;
  cleared_at: Date | null;
  position: string;
}

type ChangedRow = AlarmRow & { change_id: string };

export interface ListedAlarm {
  alarm: AlarmView;
  position: AlarmPosition;
}

/** What an alarm is raised with: its condition, in a sentence and in figures, and who is suspected. */
export interface NewAlarm {
  type: AlarmType;
  subject: { kind: SubjectKind; id: string };
  summary: string;
  details: Record<string, unknown>;
  suspect: AlarmSuspect | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

const viewOf = (row: AlarmRow): AlarmView => ({
  id: row.id,
  type: row.type,
  subject: { kind: row.subject_kind, id: row.subject_id },
  state: row.state,
  summary: row.summary,
  details: row.details,
  suspect: row.suspect && { kind: row.suspect, id: row.suspect_id, reason: row.suspect_reason ?? '' },
  raisedAt: row.raised_at.toISOString(),
  acknowledgedAt: iso(row.acknowledged_at),
  acknowledgedBy: row.acknowledged_by,
  acknowledgeNote: row.acknowledge_note,
  clearedAt: iso(row.cleared_at),
});

const CHANGE_TIME: Record<AlarmChange, (row: AlarmRow) => Date | null> = {
  raised: (row) => row.raised_at,
  acknowledged: (row) => row.acknowledged_at,
  cleared: (row) => row.cleared_at,
};

export class AlarmRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  async list({ states, type, deviceId, limit, after }: AlarmQuery): Promise<ListedAlarm[]> {
    const rows = await this.dataSource.query<AlarmRow[]>(ALARM_STATEMENTS.list, [
      states,
      type ?? null,
      deviceId ?? null,
      after?.raisedAt ?? null,
      after?.id ?? null,
      limit,
    ]);
    return rows.map((row) => ({ alarm: viewOf(row), position: { raisedAt: row.position, id: row.id } }));
  }

  async get(id: string): Promise<AlarmView | undefined> {
    const [row] = await this.dataSource.query<AlarmRow[]>(ALARM_STATEMENTS.get, [id]);
    return row && viewOf(row);
  }

  async history(id: string): Promise<AlarmHistoryEntry[]> {
    const rows = await this.dataSource.query<Array<AlarmHistoryEntry & { at: Date }>>(ALARM_STATEMENTS.history, [id]);
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  async open(): Promise<AlarmView[]> {
    return (await this.dataSource.query<AlarmRow[]>(ALARM_STATEMENTS.open)).map(viewOf);
  }

  async openByType(): Promise<Array<{ type: AlarmType; open: number }>> {
    return this.dataSource.query(ALARM_STATEMENTS.openByType);
  }

  /** The new alarm, or undefined when one of its type is already open for its subject. */
  raise({ type, subject, summary, details, suspect }: NewAlarm): Promise<AlarmView | undefined> {
    return this.change('raised', ALARM_STATEMENTS.raise, [
      type,
      subject.kind,
      subject.id,
      summary,
      details,
      suspect?.kind ?? null,
      suspect?.id ?? null,
      suspect?.reason ?? null,
    ]);
  }

  /** The alarm cleared, or undefined when it already was. */
  clear(id: string, note: string): Promise<AlarmView | undefined> {
    return this.change('cleared', ALARM_STATEMENTS.clear, [id, note]);
  }

  /** The alarm acknowledged, or undefined when it was not active. */
  acknowledge(id: string, by: string | null, note: string | null): Promise<AlarmView | undefined> {
    return this.change('acknowledged', ALARM_STATEMENTS.acknowledge, [id, by, note]);
  }

  async suspect(id: string, suspect: AlarmSuspect | null): Promise<void> {
    await this.dataSource.query(ALARM_STATEMENTS.suspect, [
      id,
      suspect?.kind ?? null,
      suspect?.id ?? null,
      suspect?.reason ?? null,
    ]);
  }

  /**
   * The change, its deliveries to every webhook that wants it and its stream event, in one transaction:
   * each is sent only if the change commits, and none is lost if it does.
   */
  private change(change: AlarmChange, statement: string, parameters: unknown[]): Promise<AlarmView | undefined> {
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      const [row] = await manager.query<ChangedRow[]>(statement, parameters);
      if (!row) return undefined;
      const alarm = viewOf(row);
      await announce(manager, row.change_id, {
        type: `alarm.${change}`,
        timestamp: (CHANGE_TIME[change](row) ?? new Date()).toISOString(),
        data: alarm,
      });
      return alarm;
    });
  }
}

async function announce(manager: EntityManager, changeId: string, event: AlarmEvent): Promise<void> {
  await manager.query(ENQUEUE_DELIVERIES, [
    `msg_${changeId}`,
    event.type,
    webhookBody(event.type, new Date(event.timestamp), event.data),
  ]);
  await manager.query(announceStatement, [alarmPayload(event, changeId)]);
}
