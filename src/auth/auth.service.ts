import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { ApiKey, Role } from '../entities/api-key.entity';
import { ConflictError, NotFoundError, ValidationError } from '../errors/problem';
import { ActiveKeyCache, type ActiveKey, type Principal } from './auth.cache';
import { bootDecision, type AuthSettings, type BootDecision } from './auth.policy';
import type { AuthRepository } from './auth.repository';
import type { ApiKeyView, CreatedApiKey, CredentialView, IssuedCredential } from './auth.responses';
import type { CredentialRow, DeviceCredentialRepository, LiveCredential } from './device-credentials.repository';

export type { ApiKeyView } from './auth.responses';

export interface AuthServiceOptions extends AuthSettings {
  keyCacheMs: number;
}

const KEY_PREFIX = 'fp_';
/** Device tokens read differently from API keys, so a leaked one is known for what it is. */
const TOKEN_PREFIX = 'fpd_';

const newSecret = (prefix: string) => prefix + randomBytes(32).toString('base64url');

/** A device credential as the key cache holds it: an ingest key for one device. */
const asKey = (credential: LiveCredential): ActiveKey => ({
  id: credential.id,
  name: `device ${credential.deviceId}`,
  role: 'ingest',
  keyHash: credential.tokenHash,
  expiresAt: credential.expiresAt,
  device: { id: credential.deviceId, kind: credential.kind },
});

const credentialView = (row: CredentialRow): CredentialView => ({
  id: row.id,
  deviceId: row.deviceId,
  createdAt: row.createdAt.toISOString(),
  expiresAt: row.expiresAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

export class AuthService {
  private readonly cache: ActiveKeyCache;

  constructor(
    private readonly repository: AuthRepository,
    private readonly credentials: DeviceCredentialRepository,
    private readonly options: AuthServiceOptions,
  ) {
    this.cache = new ActiveKeyCache(
      {
        version: () => repository.accessVersion(),
        load: async () => {
          const { version, keys } = await repository.active();
          return { version, keys: [...keys, ...(await credentials.live()).map(asKey)] };
        },
      },
      options.keyCacheMs,
    );
  }

  async create(name: string, role: Role): Promise<CreatedApiKey> {
    // 256 random bits cannot be guessed or looked up in a table, so an unsalted fast hash stores them
    // safely; a password hash would only slow every request down. The prefix makes leaked keys greppable.
    const key = newSecret(KEY_PREFIX);
    const row = await this.repository.insert(name, role, sha256(key));
    this.cache.invalidate();
    return { ...view(row), key };
  }

  /** Another part of this process changed who may do what (a device retired): read it afresh. */
  accessChanged(): void {
    this.cache.invalidate();
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repository.list()).map(view);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    if (!isUUID(id)) throw new ValidationError('Not a key id.', [{ path: 'id', message: 'id must be a UUID' }]);
    const row = await this.repository.revoke(id);
    this.cache.invalidate();
    if (!row) throw new NotFoundError(`No API key with id ${id}.`);
    return view(row);
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
    return { id: match.id, name: match.name, role: match.role, ...(match.device && { device: match.device }) };
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
    return { ...credentialView(outcome.issued), token };
  }

  async listCredentials(deviceId: string): Promise<CredentialView[]> {
    return (await this.credentials.list(deviceId)).map(credentialView);
  }

  async revokeCredential(deviceId: string, id: string): Promise<CredentialView> {
    if (!isUUID(id)) throw new ValidationError('Not a credential id.', [{ path: 'id', message: 'id must be a UUID' }]);
    const row = await this.credentials.revoke(deviceId, id);
    this.cache.invalidate();
    if (!row) throw new NotFoundError(`Device ${deviceId} has no credential ${id}.`);
    return credentialView(row);
  }
}
