import type { DataSource } from 'typeorm';
import { lockAccess } from '../db/access-lock';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import type { NewDevice } from '../devices/devices.public';
import type { DeviceKind } from './auth.cache';
import { CREDENTIAL_COLUMNS, LIVE_CREDENTIAL, type CredentialRow } from './device-credentials.repository';

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const IMPORT_STATEMENTS = {
  /** The devices not registered yet; the others are left as they are, labels and intervals included. */
  register: sql`INSERT INTO device (id, kind, label, reporting_interval_s)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[]) ORDER BY 1
    ON CONFLICT (id) DO NOTHING
    RETURNING id`,
  /** Every device of the import, locked in id order as issuing one credential locks its device. */
  lock: sql`SELECT id, kind, decommissioned_at IS NOT NULL AS retired FROM device
    WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
  /** Room for one more: all but the newest live credential of each device are revoked. */
  makeRoom: sql`UPDATE device_credential SET revoked_at = now() WHERE id IN (
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY device_id ORDER BY created_at DESC, id DESC) AS newer
        FROM device_credential WHERE device_id = ANY($1::text[]) AND ${LIVE_CREDENTIAL}
      ) live WHERE newer > 1
    )`,
  issue: sql`INSERT INTO device_credential (device_id, token_hash)
    SELECT * FROM unnest($1::text[], $2::bytea[])
    RETURNING ${CREDENTIAL_COLUMNS}`,
};

/** What the import found for each device id: new now, or registered before (and how). */
export interface ImportedRow {
  registered: boolean;
  kind: DeviceKind;
  retired: boolean;
  credential?: CredentialRow;
}

/**
 * Registers and issues in one transaction, a few statements whatever the number of devices: either the
 * whole part is done or none of it, so a re-run after a failure starts from a registry it can trust.
 * Its locks wait no longer than `lockTimeoutMs`, like every registry write.
 */
export class DeviceImportRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  /** `tokenHash` gives each device's token, should it be issued one: new devices, and with `reissue` active ones of the kind asked. */
  run(devices: NewDevice[], reissue: boolean, tokenHash: (id: string) => Buffer): Promise<Map<string, ImportedRow>> {
    const ids = devices.map(({ id }) => id);
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      await lockAccess(manager);
      const fresh = new Set(
        (
          await manager.query<Array<{ id: string }>>(IMPORT_STATEMENTS.register, [
            ids,
            devices.map(({ kind }) => kind),
            devices.map(({ label }) => label),
            devices.map(({ reportingIntervalSeconds }) => reportingIntervalSeconds ?? null),
          ])
        ).map(({ id }) => id),
      );
      const found = await manager.query<Array<{ id: string; kind: DeviceKind; retired: boolean }>>(
        IMPORT_STATEMENTS.lock,
        [ids],
      );
      const rows = new Map<string, ImportedRow>(
        found.map(({ id, kind, retired }) => [id, { registered: fresh.has(id), kind, retired }]),
      );
      const asked = new Map(devices.map(({ id, kind }) => [id, kind]));
      const issuing = found
        .filter(({ id, kind, retired }) => asked.get(id) === kind && !retired && (fresh.has(id) || reissue))
        .map(({ id }) => id);
      if (issuing.length === 0) return rows;
      await manager.query(IMPORT_STATEMENTS.makeRoom, [issuing.filter((id) => !fresh.has(id))]);
      const issued = await manager.query<CredentialRow[]>(IMPORT_STATEMENTS.issue, [issuing, issuing.map(tokenHash)]);
      for (const credential of issued) rows.get(credential.deviceId)!.credential = credential;
      return rows;
    });
  }
}
