import type { DataSource } from 'typeorm';

export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves once the database has answered a trivial query; rejects with whatever stopped it. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
