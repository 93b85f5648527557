import type { DataSource } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const CREDENTIAL_USE_STATEMENTS = {
  /**
   * Ids in one order, so two processes recording the same keys take their row locks alike and never
   * deadlock; a later moment never gives way to an earlier one another process recorded.
   */
  record: sql`INSERT INTO credential_use (id, last_used_at)
    SELECT id, used FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, used) ORDER BY id
    ON CONFLICT (id) DO UPDATE SET last_used_at = greatest(credential_use.last_used_at, excluded.last_used_at)`,
  lastUse: sql`SELECT id, last_used_at AS "lastUsedAt" FROM credential_use WHERE id = ANY($1::uuid[])`,
};

/**
 * When keys and device credentials were last used. Each process notes uses in memory and writes them
 * here now and then, on the maintenance pool: a request never waits for this write, and the table has
 * no access trigger, so recording a use makes no process reload its keys.
 */
export class CredentialUseRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lockTimeoutMs: number,
  ) {}

  /** `uses`: the latest use of each id, in epoch milliseconds. */
  async record(uses: ReadonlyMap<string, number>): Promise<void> {
    const ids = [...uses.keys()];
    const moments = ids.map((id) => new Date(uses.get(id)!));
    await lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, (manager) =>
      manager.query(CREDENTIAL_USE_STATEMENTS.record, [ids, moments]),
    );
  }

  async lastUse(ids: string[]): Promise<Map<string, Date>> {
    const rows = await this.dataSource.query<Array<{ id: string; lastUsedAt: Date }>>(
      CREDENTIAL_USE_STATEMENTS.lastUse,
      [ids],
    );
    return new Map(rows.map(({ id, lastUsedAt }) => [id, lastUsedAt]));
  }
}
