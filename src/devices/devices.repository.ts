import type { DataSource } from 'typeorm';
import { lockAccess } from '../db/access-lock';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import type { DeviceChange, DeviceRegistryQuery, NewDevice } from './devices.dto';

export interface DeviceRow {
  id: string;
  kind: 'meter' | 'vehicle';
  label: string | null;
  reportingIntervalSeconds: number | null;
  createdAt: Date;
  decommissionedAt: Date | null;
  lastSeenAt: Date | null;
  dataQuality: string[];
}

/** The register events of the device's readings of the last day, each a probe of the index of events. */
const registerEvents = (history: string, device: string, kind: string) => sql`
  SELECT DISTINCT register_event FROM ${history}
  WHERE d.kind = '${kind}' AND ${device} = d.id AND register_event IS NOT NULL AND ts > now() - interval '1 day'`;

/**
 * A registered device with when it last reported (its live row's write time, so reporting costs no
 * registry write), and the data-quality flags its register readings raised over the last day.
 */
const view = (source: string) => sql`SELECT d.id, d.kind, d.label, d.reporting_interval_s AS "reportingIntervalSeconds",
       d.created_at AS "createdAt", d.decommissioned_at AS "decommissionedAt",
       coalesce(m.updated_at, v.updated_at) AS "lastSeenAt",
       ARRAY(
         SELECT 'register-' || e.register_event FROM (
           ${registerEvents('meter_history', 'meter_id', 'meter')}
           UNION
           ${registerEvents('vehicle_history', 'vehicle_id', 'vehicle')}
         ) e ORDER BY 1
       ) AS "dataQuality"
FROM ${source} d
LEFT JOIN meter_live m ON d.kind = 'meter' AND m.meter_id = d.id
LEFT JOIN vehicle_live v ON d.kind = 'vehicle' AND v.vehicle_id = d.id`;

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const DEVICE_STATEMENTS = {
  /** $2 kind and $3 state filter when not null; $4 is the cursor (the last id of the previous page). */
  list: sql`
    ${view('device')}
    WHERE ($2::text IS NULL OR d.kind = $2) AND ($3::text IS NULL OR (d.decommissioned_at IS NULL) = ($3 = 'active'))
      AND ($4::text IS NULL OR d.id > $4)
    ORDER BY d.id
    LIMIT $1`,
  find: sql`
    ${view('device')}
    WHERE d.id = $1`,
  /** No row when the id is taken, by a device of either kind. */
  insert: sql`WITH inserted AS (
      INSERT INTO device (id, kind, label, reporting_interval_s) VALUES ($1, $2, $3, $4)
      ON CONFLICT (id) DO NOTHING RETURNING *
    )
    ${view('inserted')}`,
  /**
   * Taken before a change, as issuing a credential takes it: a credential issued meanwhile is then
   * committed and seen by the change, which revokes it with the others when retiring the device.
   */
  lock: sql`SELECT FROM device WHERE id = $1 FOR UPDATE`,
  /**
   * $2 says whether the label changes (to $3, null clearing it); $4 is the state asked for, or null; $5
   * says whether the reporting interval changes (to $6, null returning the device to the service default).
   * Decommissioning again keeps the first moment, and revokes the device's credentials in the same
   * statement: a retired device speaks for nobody, and reinstating it gives none of them back.
   */
  change: sql`WITH credentials_revoked AS (
      UPDATE device_credential SET revoked_at = now()
      WHERE device_id = $1 AND $4::text = 'decommissioned' AND revoked_at IS NULL
    ),
    changed AS (
      UPDATE device SET
        label = CASE WHEN $2 THEN $3 ELSE label END,
        reporting_interval_s = CASE WHEN $5 THEN $6 ELSE reporting_interval_s END,
        decommissioned_at = CASE $4::text
          WHEN 'decommissioned' THEN coalesce(decommissioned_at, now())
          WHEN 'active' THEN NULL
          ELSE decommissioned_at END
      WHERE id = $1
      RETURNING *
    )
    ${view('changed')}`,
};

/**
 * On the pool of readers, not of readings: registering and retiring devices is operators' work. A change
 * also moves the access version, one row every key and device change waits its turn on, so each write
 * waits for locks no longer than `lockTimeoutMs` (DB_LOCK_TIMEOUT_MS).
 */
export class DeviceRepository {
  constructor(
    private readonly reads: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  /** One row more than the page, which tells whether another page follows. */
  list({ limit, kind, state, after }: DeviceRegistryQuery): Promise<DeviceRow[]> {
    return this.reads.query<DeviceRow[]>(DEVICE_STATEMENTS.list, [
      limit + 1,
      kind ?? null,
      state ?? null,
      after ?? null,
    ]);
  }

  async find(id: string): Promise<DeviceRow | undefined> {
    const [row] = await this.reads.query<DeviceRow[]>(DEVICE_STATEMENTS.find, [id]);
    return row;
  }

  async insert({ id, kind, label, reportingIntervalSeconds }: NewDevice): Promise<DeviceRow | undefined> {
    const params = [id, kind, label, reportingIntervalSeconds ?? null];
    const [row] = await lockBoundedTransaction(this.reads, this.lockTimeoutMs, (manager) =>
      manager.query<DeviceRow[]>(DEVICE_STATEMENTS.insert, params),
    );
    return row;
  }

  async change(
    id: string,
    { label, state, reportingIntervalSeconds: interval }: DeviceChange,
  ): Promise<DeviceRow | undefined> {
    const params = [id, label !== undefined, label ?? null, state ?? null, interval !== undefined, interval ?? null];
    const [row] = await lockBoundedTransaction(this.reads, this.lockTimeoutMs, async (manager) => {
      await lockAccess(manager);
      await manager.query(DEVICE_STATEMENTS.lock, [id]);
      return manager.query<DeviceRow[]>(DEVICE_STATEMENTS.change, params);
    });
    return row;
  }
}
