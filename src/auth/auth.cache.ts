import type { Role } from '../entities/api-key.entity';

export type DeviceKind = 'meter' | 'vehicle';

export interface Principal {
  id: string;
  name: string;
  role: Role;
  /** An API key, or a device's own credential. */
  credential: 'api-key' | 'device';
  /**
   * The active devices it writes for, by id, with their kind: a device credential's one device, or a
   * gateway key's list. Absent for a fleet-wide key.
   */
  scope?: ReadonlyMap<string, DeviceKind>;
}

/** A registered device as the write checks need it. */
export interface RegisteredDevice {
  kind: DeviceKind;
  retired: boolean;
}

export interface ActiveKey extends Principal {
  keyHash: Buffer;
  /** A device credential's end, checked at each use; null or absent for none. */
  expiresAt?: Date | null;
}

export interface KeySnapshot {
  /** Active API keys and device credentials by the hex SHA-256 of the key. */
  byHash: ReadonlyMap<string, ActiveKey>;
  /** How many of them are API keys: device credentials alone do not close a service that has none. */
  apiKeys: number;
  /** The device registry, by id: what readings may be written for, with DEVICE_REGISTRY. */
  devices: ReadonlyMap<string, RegisteredDevice>;
  /** The access version the keys were read at; null (no version to compare) makes every check reload. */
  version: string | null;
  /** When the version was last found unchanged (or the keys read). */
  checkedAt: number;
}

/** What the cache reads: the access version alone, cheaply, and the keys with the version read first. */
export interface KeySource {
  version(): Promise<string | null>;
  load(): Promise<{ version: string | null; keys: ActiveKey[]; devices: ReadonlyMap<string, RegisteredDevice> }>;
}

/**
 * The active keys and the device registry held in memory, so the ingest path checks a key and a device
 * without a database round trip. A
 * copy is trusted for `ttlMs`; after that, the next request asks the database whether access changed
 * (one single-row read, shared by everything arriving meanwhile) and reloads the keys only if it did.
 * Every change to keys, by any process or the CLI, moves that version, so a key revoked elsewhere stops
 * working here within `ttlMs` and one check. This process's own create/revoke take effect at once
 * through invalidate(). If the database cannot answer, the request fails like any other database-bound
 * request would.
 */
export class ActiveKeyCache {
  private snapshot?: KeySnapshot;
  private refreshing?: Promise<KeySnapshot>;
  private generation = 0;

  constructor(
    private readonly source: KeySource,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Promise<KeySnapshot> {
    const snapshot = this.snapshot;
    if (snapshot && this.now() - snapshot.checkedAt < this.ttlMs) return Promise.resolve(snapshot);
    return this.refresh(snapshot);
  }

  invalidate(): void {
    this.generation += 1;
    this.snapshot = undefined;
    this.refreshing = undefined;
  }

  private refresh(stale: KeySnapshot | undefined): Promise<KeySnapshot> {
    if (this.refreshing) return this.refreshing;
    const generation = this.generation;
    const refreshing = this.read(stale)
      .then((snapshot) => {
        // A read that began before a create/revoke here must not reinstate what it read.
        if (generation === this.generation) this.snapshot = snapshot;
        return snapshot;
      })
      .finally(() => {
        if (this.refreshing === refreshing) this.refreshing = undefined;
      });
    this.refreshing = refreshing;
    return refreshing;
  }

  private async read(stale: KeySnapshot | undefined): Promise<KeySnapshot> {
    if (stale?.version != null && (await this.source.version()) === stale.version) {
      return { ...stale, checkedAt: this.now() };
    }
    const { version, keys, devices } = await this.source.load();
    const byHash = new Map(keys.map((key) => [key.keyHash.toString('hex'), key]));
    const apiKeys = keys.filter((key) => key.credential === 'api-key').length;
    return { byHash, apiKeys, devices, version, checkedAt: this.now() };
  }
}
