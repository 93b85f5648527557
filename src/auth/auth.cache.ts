import type { Role } from '../entities/api-key.entity';

export interface Principal {
  id: string;
  name: string;
  role: Role;
}

export interface ActiveKey extends Principal {
  keyHash: Buffer;
}

export interface KeySnapshot {
  /** Active keys by the hex SHA-256 of the key. */
  byHash: ReadonlyMap<string, ActiveKey>;
  loadedAt: number;
}

/**
 * The active keys held in memory, so the ingest path checks a key without a database round trip. A
 * copy is trusted for `ttlMs`: a key revoked elsewhere (the CLI, another replica) stops working here
 * within that time; this process's own create/revoke take effect at once through invalidate(). When
 * the copy is stale, the next request waits for one reload, shared by everything arriving meanwhile;
 * if the database cannot answer, that request fails like any other database-bound request would.
 */
export class ActiveKeyCache {
  private snapshot?: KeySnapshot;
  private loading?: Promise<KeySnapshot>;
  private generation = 0;

  constructor(
    private readonly load: () => Promise<ActiveKey[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Promise<KeySnapshot> {
    const snapshot = this.snapshot;
    if (snapshot && this.now() - snapshot.loadedAt < this.ttlMs) return Promise.resolve(snapshot);
    return this.reload();
  }

  invalidate(): void {
    this.generation += 1;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private reload(): Promise<KeySnapshot> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    const loading = this.load()
      .then((keys) => {
        const snapshot = {
          byHash: new Map(keys.map((key) => [key.keyHash.toString('hex'), key])),
          loadedAt: this.now(),
        };
        // A load that began before a create/revoke here must not reinstate what it read.
        if (generation === this.generation) this.snapshot = snapshot;
        return snapshot;
      })
      .finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    this.loading = loading;
    return loading;
  }
}
