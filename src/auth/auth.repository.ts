import { IsNull, type DataSource, type Repository } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';
import { ApiKey, type Role } from '../entities/api-key.entity';

/** The statements this repository sends besides TypeORM's (tools/sql-snapshots.ts keeps them readable under sql/). */
export const AUTH_STATEMENTS = {
  /**
   * Moved by every change to keys or devices (migration 1764471000000-AccessVersion); text, as bigint may
   * pass 2^53. Null should the row be gone, which the cache takes as "changed".
   */
  accessVersion: sql`SELECT (SELECT version::text FROM access_version) AS version`,
};

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

  insert(name: string, role: Role, keyHash: Buffer): Promise<ApiKey> {
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.getRepository(ApiKey).save(this.keys.create({ name, role, keyHash })),
    );
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async accessVersion(): Promise<string | null> {
    const [{ version }] = await this.dataSource.query<Array<{ version: string | null }>>(AUTH_STATEMENTS.accessVersion);
    return version;
  }

  /**
   * The active keys, and the access version read before them: a change in between is then seen as a
   * change at the next check, costing one more reload. Read after them, it could hide that change.
   */
  async active(): Promise<{ version: string | null; keys: ApiKey[] }> {
    const version = await this.accessVersion();
    return { version, keys: await this.keys.findBy({ revokedAt: IsNull() }) };
  }

  /** Only the first revocation stamps the time, so revoking twice keeps the original moment. */
  async revoke(id: string): Promise<ApiKey | null> {
    await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.getRepository(ApiKey).update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' }),
    );
    return this.keys.findOneBy({ id });
  }
}
