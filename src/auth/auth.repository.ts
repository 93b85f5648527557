import { IsNull, type DataSource, type Repository } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import { ApiKey, type Role } from '../entities/api-key.entity';
import type { DeviceKind, RegisteredDevice } from './auth.cache';

/** The statements this repository sends besides TypeORM's (tools/sql-snapshots.ts keeps them readable under sql/). */
export const AUTH_STATEMENTS = {
  /**
   * Moved by every change to keys or devices (migration 1764471000000-AccessVersion); text, as bigint may
   * pass 2^53. Null should the row be gone, which the cache takes as "changed".
   */
  accessVersion: sql`SELECT (SELECT version::text FROM access_version) AS version`,
  /** A gateway key's devices, those of them still active: the ones it may write for. */
  activeScopes: sql`SELECT s.key_id AS "keyId", s.device_id AS "deviceId", d.kind
    FROM api_key_device s JOIN api_key k ON k.id = s.key_id JOIN device d ON d.id = s.device_id
    WHERE k.revoked_at IS NULL AND d.decommissioned_at IS NULL`,
  registry: sql`SELECT id, kind, decommissioned_at IS NOT NULL AS retired FROM device`,
  /** Every device of the list, as stated at creation, retired ones included. */
  scopes: sql`SELECT key_id AS "keyId", array_agg(device_id ORDER BY device_id) AS devices
    FROM api_key_device GROUP BY key_id`,
  /** Only active registered devices can be put in a scope: the ones found are returned. */
  scope: sql`INSERT INTO api_key_device (key_id, device_id)
    SELECT $1, id FROM device WHERE id = ANY($2::text[]) AND decommissioned_at IS NULL
    RETURNING device_id AS "deviceId"`,
};

export interface ScopedDevice {
  keyId: string;
  deviceId: string;
  kind: DeviceKind;
}

/** A key as listed: its row, and the devices of a gateway key's scope. */
export type ListedKey = ApiKey & { devices: string[] | null };

export type InsertOutcome = { created: ListedKey } | { unknownDevices: string[] };

/** Rolls the key back when part of its scope is missing, with the ids that were. */
class MissingDevices extends Error {
  constructor(readonly ids: string[]) {
    super('devices missing from the registry');
  }
}

export class AuthRepository {
  private readonly keys: Repository<ApiKey>;

  /**
   * A key change also moves the access version, one row every key and device change waits its turn on:
   * the wait is bounded by `lockTimeoutMs` (DB_LOCK_TIMEOUT_MS), so a change held up elsewhere gives way
   * instead of keeping a connection of the pool readings use.
   */
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {
    this.keys = dataSource.getRepository(ApiKey);
  }

  /** `devices` null: a fleet-wide key; otherwise the key and its scope are written together or not at all. */
  async insert(name: string, role: Role, keyHash: Buffer, devices: string[] | null): Promise<InsertOutcome> {
    try {
      const created = await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
        const scope = devices === null ? 'fleet' : 'devices';
        const key = await manager.getRepository(ApiKey).save(this.keys.create({ name, role, keyHash, scope }));
        if (devices === null) return { ...key, devices: null };
        const found = new Set(
          (await manager.query<Array<{ deviceId: string }>>(AUTH_STATEMENTS.scope, [key.id, devices])).map(
            ({ deviceId }) => deviceId,
          ),
        );
        if (found.size < devices.length) throw new MissingDevices(devices.filter((id) => !found.has(id)));
        return { ...key, devices: [...found].sort() };
      });
      return { created };
    } catch (error) {
      if (error instanceof MissingDevices) return { unknownDevices: error.ids };
      throw error;
    }
  }

  async list(): Promise<ListedKey[]> {
    const [keys, scopes] = await Promise.all([
      this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } }),
      this.dataSource.query<Array<{ keyId: string; devices: string[] }>>(AUTH_STATEMENTS.scopes),
    ]);
    const byKey = new Map(scopes.map(({ keyId, devices }) => [keyId, devices]));
    return keys.map((key) => ({ ...key, devices: key.scope === 'devices' ? (byKey.get(key.id) ?? []) : null }));
  }

  async accessVersion(): Promise<string | null> {
    const [{ version }] = await this.dataSource.query<Array<{ version: string | null }>>(AUTH_STATEMENTS.accessVersion);
    return version;
  }

  /**
   * The active keys with their scopes, and the registry, with the access version read before them: a
   * change in between is then seen as a change at the next check, costing one more reload. Read after
   * them, it could hide that change.
   */
  async active(): Promise<{
    version: string | null;
    keys: ApiKey[];
    scopes: ScopedDevice[];
    devices: Map<string, RegisteredDevice>;
  }> {
    const version = await this.accessVersion();
    const keys = await this.keys.findBy({ revokedAt: IsNull() });
    const scopes = await this.dataSource.query<ScopedDevice[]>(AUTH_STATEMENTS.activeScopes);
    const registry = await this.dataSource.query<Array<RegisteredDevice & { id: string }>>(AUTH_STATEMENTS.registry);
    return {
      version,
      keys,
      scopes,
      devices: new Map(registry.map(({ id, kind, retired }) => [id, { kind, retired }])),
    };
  }

  /** Only the first revocation stamps the time, so revoking twice keeps the original moment. */
  async revoke(id: string): Promise<ListedKey | null> {
    await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.getRepository(ApiKey).update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' }),
    );
    return (await this.list()).find((key) => key.id === id) ?? null;
  }
}
