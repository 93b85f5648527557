import type { DataSource } from 'typeorm';
import { lockAccess } from '../db/access-lock';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';

export interface CredentialRow {
  id: string;
  deviceId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface LiveCredential {
  id: string;
  deviceId: string;
  kind: 'meter' | 'vehicle';
  tokenHash: Buffer;
  expiresAt: Date | null;
}

export const CREDENTIAL_COLUMNS = sql`id, device_id AS "deviceId", created_at AS "createdAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt"`;

/** Live: not revoked and not expired. */
export const LIVE_CREDENTIAL = sql`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`;

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const CREDENTIAL_STATEMENTS = {
  /** Taken first when issuing, so that two issues for one device count each other's credential. */
  lockDevice: sql`SELECT decommissioned_at IS NOT NULL AS retired FROM device WHERE id = $1 FOR UPDATE`,
  liveCount: sql`SELECT count(*)::int AS live FROM device_credential WHERE device_id = $1 AND ${LIVE_CREDENTIAL}`,
  insert: sql`INSERT INTO device_credential (device_id, token_hash, expires_at) VALUES ($1, $2, $3)
    RETURNING ${CREDENTIAL_COLUMNS}`,
  list: sql`SELECT ${CREDENTIAL_COLUMNS} FROM device_credential WHERE device_id = $1 ORDER BY created_at, id`,
  /** Only the first revocation stamps the time. */
  revoke: sql`WITH revoked AS (
      UPDATE device_credential SET revoked_at = now() WHERE id = $1 AND device_id = $2 AND revoked_at IS NULL
      RETURNING ${CREDENTIAL_COLUMNS}
    )
    SELECT * FROM revoked
    UNION ALL
    SELECT ${CREDENTIAL_COLUMNS} FROM device_credential WHERE id = $1 AND device_id = $2 AND NOT EXISTS (SELECT FROM revoked)`,
  /** What authenticates: live credentials of active devices, with the kind their readings must be. */
  live: sql`SELECT c.id, c.device_id AS "deviceId", d.kind, c.token_hash AS "tokenHash", c.expires_at AS "expiresAt"
    FROM device_credential c JOIN device d ON d.id = c.device_id
    WHERE c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()) AND d.decommissioned_at IS NULL`,
};

export type IssueOutcome = { issued: CredentialRow } | { refused: 'not-registered' | 'decommissioned' | 'two-live' };

/** At most this many live credentials per device: the one in use and the one replacing it. */
export const LIVE_CREDENTIALS_MAX = 2;

/**
 * On the pool the keys are read from, as the credentials are read with them; writes are lock-bounded
 * like the registry's: issuing locks the device's row, and every change moves the access version.
 */
export class DeviceCredentialRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  issue(deviceId: string, tokenHash: Buffer, expiresAt: Date | null): Promise<IssueOutcome> {
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      await lockAccess(manager);
      const [device] = await manager.query<Array<{ retired: boolean }>>(CREDENTIAL_STATEMENTS.lockDevice, [deviceId]);
      if (!device) return { refused: 'not-registered' };
      if (device.retired) return { refused: 'decommissioned' };
      const [{ live }] = await manager.query<Array<{ live: number }>>(CREDENTIAL_STATEMENTS.liveCount, [deviceId]);
      if (live >= LIVE_CREDENTIALS_MAX) return { refused: 'two-live' };
      const [issued] = await manager.query<CredentialRow[]>(CREDENTIAL_STATEMENTS.insert, [
        deviceId,
        tokenHash,
        expiresAt,
      ]);
      return { issued };
    });
  }

  list(deviceId: string): Promise<CredentialRow[]> {
    return this.dataSource.query<CredentialRow[]>(CREDENTIAL_STATEMENTS.list, [deviceId]);
  }

  async revoke(deviceId: string, id: string): Promise<CredentialRow | undefined> {
    const [row] = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query<CredentialRow[]>(CREDENTIAL_STATEMENTS.revoke, [id, deviceId]),
    );
    return row;
  }

  live(): Promise<LiveCredential[]> {
    return this.dataSource.query<LiveCredential[]>(CREDENTIAL_STATEMENTS.live);
  }
}
