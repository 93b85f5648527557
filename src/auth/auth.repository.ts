import { IsNull, type DataSource, type Repository } from 'typeorm';
import { ApiKey, type Role } from '../entities/api-key.entity';

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

  active(): Promise<ApiKey[]> {
    return this.keys.findBy({ revokedAt: IsNull() });
  }

  /** Only the first revocation stamps the time, so revoking twice keeps the original moment. */
  async revoke(id: string): Promise<ApiKey | null> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return this.keys.findOneBy({ id });
  }
}
