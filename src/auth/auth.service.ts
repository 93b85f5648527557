import { timingSafeEqual } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { ApiKey, Role } from '../entities/api-key.entity';
import { ConflictError, NotFoundError, ValidationError } from '../errors/problem';
import { ActiveKeyCache, type ActiveKey, type DeviceKind, type Principal } from './auth.cache';
import { bootDecision, type AuthSettings, type BootDecision } from './auth.policy';
import type { AuthRepository, ListedKey, ScopedDevice } from './auth.repository';
import type { RegistryMode } from '../config/config';
import { deviceGate, type DeviceGate, type WriteRefusal } from './device-scope';
import type { ApiKeyView, CreatedApiKey, CredentialView, IssuedCredential } from './auth.responses';
import { KEY_PREFIX, newSecret, sha256, TOKEN_PREFIX } from './secrets';
import type { CredentialUseRepository } from './credential-use.repository';
import type { CredentialRow, DeviceCredentialRepository, LiveCredential } from './device-credentials.repository';

export type { ApiKeyView } from './auth.responses';

export interface AuthServiceOptions extends AuthSettings {
  keyCacheMs: number;
  deviceRegistry: RegistryMode;
}

/** A device credential as the key cache holds it: an ingest key scoped to its one device. */
const credentialKey = (credential: LiveCredential): ActiveKey => ({
  id: credential.id,
  name: `device ${credential.deviceId}`,
  role: 'ingest',
  credential: 'device',
  keyHash: credential.tokenHash,
  expiresAt: credential.expiresAt,
  scope: new Map([[credential.deviceId, credential.kind]]),
});

/** The API keys as the key cache holds them, a gateway key with the active devices of its scope. */
function apiKeys(keys: ApiKey[], scoped: ScopedDevice[]): ActiveKey[] {
  const scopes = new Map<string, Map<string, DeviceKind>>();
  for (const { keyId, deviceId, kind } of scoped) {
    let scope = scopes.get(keyId);
    if (!scope) scopes.set(keyId, (scope = new Map<string, DeviceKind>()));
    scope.set(deviceId, kind);
  }
  return keys.map(({ id, name, role, keyHash, scope }): ActiveKey => ({
    id,
    name,
    role,
    credential: 'api-key',
    keyHash,
    // A gateway whose devices are all retired writes for none: an empty scope, not the fleet.
    ...(scope === 'devices' && { scope: scopes.get(id) ?? new Map() }),
  }));
}

/** When a key or credential was last used, as recorded so far; null if never (or not recorded yet). */
type LastUse = ReadonlyMap<string, Date>;

export const credentialView = (row: CredentialRow, lastUse: LastUse): CredentialView => ({
  id: row.id,
  deviceId: row.deviceId,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
  lastUsedAt: lastUse.get(row.id)?.toISOString() ?? null,
});

function view(key: ListedKey, lastUse: LastUse): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    scope: key.scope,
    devices: key.devices,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    lastUsedAt: lastUse.get(key.id)?.toISOString() ?? null,
  };
}

export const NEVER: LastUse = new Map();

export class AuthService {
  private readonly cache: ActiveKeyCache;
  /** Uses since they were last recorded: the latest moment (epoch ms) per key or credential id. */
  private uses = new Map<string, number>();

  constructor(
    private readonly repository: AuthRepository,
    private readonly credentials: DeviceCredentialRepository,
    private readonly lastUses: CredentialUseRepository,
    private readonly options: AuthServiceOptions,
  ) {
    this.cache = new ActiveKeyCache(
      {
        version: () => repository.accessVersion(),
        load: async () => {
          const { version, keys, scopes, devices } = await repository.active();
          const live = await credentials.live();
          return { version, keys: [...apiKeys(keys, scopes), ...live.map(credentialKey)], devices };
        },
      },
      options.keyCacheMs,
    );
  }

  /** `devices`: the registered devices a gateway's ingest key writes for; null for a fleet-wide key. */
  async create(name: string, role: Role, devices: string[] | null = null): Promise<CreatedApiKey> {
    if (devices !== null && role !== 'ingest') {
      throw new ValidationError('Only an ingest key can be scoped to devices.', [
        { path: 'scope', message: 'scope must be fleet for a read or admin key' },
      ]);
    }
    const key = newSecret(KEY_PREFIX);
    const outcome = await this.repository.insert(name, role, sha256(key), devices);
    if ('unknownDevices' in outcome) {
      throw new ValidationError('A key can be scoped to registered, active devices only; no key was created.', [
        { path: 'devices', message: `not registered or decommissioned: ${outcome.unknownDevices.join(', ')}` },
      ]);
    }
    this.cache.invalidate();
    return { ...view(outcome.created, NEVER), key };
  }

  /** Another part of this process changed who may do what (the registry): read it afresh. */
  accessChanged(): void {
    this.cache.invalidate();
  }

  async list(): Promise<ApiKeyView[]> {
    const keys = await this.repository.list();
    const lastUse = await this.lastUses.lastUse(keys.map(({ id }) => id));
    return keys.map((key) => view(key, lastUse));
  }

  async revoke(id: string): Promise<ApiKeyView> {
    if (!isUUID(id)) throw new ValidationError('Not a key id.', [{ path: 'id', message: 'id must be a UUID' }]);
    const row = await this.repository.revoke(id);
    this.cache.invalidate();
    if (!row) throw new NotFoundError(`No API key with id ${id}.`);
    return view(row, await this.lastUses.lastUse([id]));
  }

  /**
   * Judged on the current keys, not once at boot: the first key created on a running development
   * service closes it (within the cache lifetime on other processes), and production, which refuses to
   * start keyless, stays closed even if every key is later revoked. 'open' (no key yet, outside
   * production) is not 'disabled': the first serves only its own machine.
   */
  async accessMode(): Promise<'keys' | 'open' | 'disabled'> {
    if (this.options.disabled) return 'disabled';
    if (this.options.nodeEnv === 'production') return 'keys';
    return (await this.cache.current()).apiKeys > 0 ? 'keys' : 'open';
  }

  /**
   * "Constant time" is about what the time to reject tells an attacker: a comparison that stops at the
   * first differing byte lets them recover a key byte by byte. The presented key is never compared
   * itself. It is hashed first and looked up by its digest, so any timing the lookup leaks concerns the
   * digest of the attacker's own guess, which they cannot steer toward a stored digest without SHA-256
   * preimages. timingSafeEqual then checks all 32 bytes of the match whatever they hold, which keeps
   * that true should the lookup ever match loosely. Hit or miss is not hidden: the status code says it.
   */
  async authenticate(presented: string): Promise<Principal | null> {
    const digest = sha256(presented);
    const match = (await this.cache.current()).byHash.get(digest.toString('hex'));
    if (!match || !timingSafeEqual(match.keyHash, digest)) return null;
    if (match.expiresAt && match.expiresAt.getTime() <= Date.now()) return null;
    const { id, name, role, credential, scope } = match;
    this.uses.set(id, Date.now());
    return { id, name, role, credential, ...(scope && { scope }) };
  }

  /**
   * Writes the uses noted since the last call, in one statement: keys' and credentials' last use is
   * kept without a database write per request. Uses that fail to be written are kept for the next call.
   * Called on the maintenance timer and once more at shutdown; says whether there was anything to write.
   */
  async recordUse(): Promise<boolean> {
    if (this.uses.size === 0) return false;
    const pending = this.uses;
    this.uses = new Map();
    try {
      await this.lastUses.record(pending);
    } catch (error) {
      for (const [id, at] of pending) {
        const since = this.uses.get(id);
        if (!since || since < at) this.uses.set(id, at);
      }
      throw error;
    }
    return true;
  }

  /**
   * What the caller (undefined: an open service) may write for, from the registry held in memory;
   * `counted` sees each refusal as it is made.
   */
  async gate(principal: Principal | undefined, counted: (refusal: WriteRefusal) => WriteRefusal): Promise<DeviceGate> {
    return deviceGate(principal, (await this.cache.current()).devices, this.options.deviceRegistry, counted);
  }

  async bootCheck(): Promise<BootDecision> {
    return bootDecision(this.options, (await this.cache.current()).apiKeys);
  }

  /** A token that writes readings for this device only; shown this once, stored as its SHA-256. */
  async issueCredential(deviceId: string, expiresAt: Date | null): Promise<IssuedCredential> {
    const token = newSecret(TOKEN_PREFIX);
    const outcome = await this.credentials.issue(deviceId, sha256(token), expiresAt);
    if ('refused' in outcome) {
      if (outcome.refused === 'not-registered') throw new NotFoundError(`No device ${deviceId} is registered.`);
      throw new ConflictError(
        outcome.refused === 'decommissioned'
          ? `Device ${deviceId} is decommissioned; reinstate it before issuing it a credential.`
          : `Device ${deviceId} already has two live credentials; revoke one (or let it expire) first.`,
      );
    }
    this.cache.invalidate();
    return { ...credentialView(outcome.issued, NEVER), token };
  }

  async listCredentials(deviceId: string): Promise<CredentialView[]> {
    const rows = await this.credentials.list(deviceId);
    const lastUse = await this.lastUses.lastUse(rows.map(({ id }) => id));
    return rows.map((row) => credentialView(row, lastUse));
  }

  async revokeCredential(deviceId: string, id: string): Promise<CredentialView> {
    if (!isUUID(id)) throw new ValidationError('Not a credential id.', [{ path: 'id', message: 'id must be a UUID' }]);
    const row = await this.credentials.revoke(deviceId, id);
    this.cache.invalidate();
    if (!row) throw new NotFoundError(`Device ${deviceId} has no credential ${id}.`);
    return credentialView(row, await this.lastUses.lastUse([id]));
  }
}
