import { IsNull, type DataSource, type Repository } from 'typeorm';
import { sql } from '../db/sql';
import { ApiKey, type Role } from '../entities/api-key.entity';

/** The statements this repository sends besides TypeORM's (tools/sql-snapshots.ts keeps them readable under sql/). */
export const AUTH_STATEMENTS = {
  /** Moved by every change to keys or devices (migration 1764471000000-AccessVersion); text, as bigint may pass 2^53. */
  accessVersion: sql`SELECT version::text AS version FROM access_version`,
};

export class AuthRepository {
  private readonly keys: Repository<ApiKey>;

  constructor(dataSource: DataSource) {
    this.keys = dataSource.getRepository(ApiKey);
  }

  insert(name: string, role: Role, keyHash: Buffer): Promise<ApiKey> {
    return this.keys.save(this.keys.create({ name, role, keyHash }));
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async accessVersion(): Promise<string> {
    const [{ version }] = await this.keys.manager.query<Array<{ version: string }>>(AUTH_STATEMENTS.accessVersion);
    return version;
  }

  /** The active keys, and the access version read before them: a change in between only costs one more reload. */
  async active(): Promise<{ version: string; keys: ApiKey[] }> {
    const version = await this.accessVersion();
    return { version, keys: await this.keys.findBy({ revokedAt: IsNull() }) };
  }

  /** Only the first revocation stamps the time, so revoking twice keeps the original moment. */
  async revoke(id: string): Promise<ApiKey | null> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return this.keys.findOneBy({ id });
  }
}
