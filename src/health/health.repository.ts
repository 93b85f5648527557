import type { DataSource } from 'typeorm';

/** Every statement this repository sends, by name; tools/sql-snapshots.ts keeps a readable copy of each under sql/. */
export const HEALTH_STATEMENTS = {
  ping: 'SELECT 1',
};

export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves once the database has answered a trivial query; rejects with whatever stopped it. */
  async ping(): Promise<void> {
    await this.dataSource.query(HEALTH_STATEMENTS.ping);
  }
}
