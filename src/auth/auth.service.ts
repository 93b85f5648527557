import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isUUID } from 'class-validator';
import type { ApiKey, Role } from '../entities/api-key.entity';
import { NotFoundError, ValidationError } from '../errors/problem';
import { ActiveKeyCache, type Principal } from './auth.cache';
import { bootDecision, type AuthSettings, type BootDecision } from './auth.policy';
import type { AuthRepository } from './auth.repository';
import type { ApiKeyView, CreatedApiKey } from './auth.responses';

export type { ApiKeyView } from './auth.responses';

export interface AuthServiceOptions extends AuthSettings {
  keyCacheMs: number;
}

const KEY_PREFIX = 'fp_';

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
    private readonly options: AuthServiceOptions,
  ) {
    this.cache = new ActiveKeyCache(
      { version: () => repository.accessVersion(), load: () => repository.active() },
      options.keyCacheMs,
    );
  }

  async create(name: string, role: Role): Promise<CreatedApiKey> {
    // 256 random bits cannot be guessed or looked up in a table, so an unsalted fast hash stores them
    // safely; a password hash would only slow every request down. The prefix makes leaked keys greppable.
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.repository.insert(name, role, sha256(key));
    this.cache.invalidate();
    return { ...view(row), key };
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
    return (await this.cache.current()).byHash.size > 0 ? 'keys' : 'open';
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
    return { id: match.id, name: match.name, role: match.role };
  }

  async bootCheck(): Promise<BootDecision> {
    return bootDecision(this.options, (await this.cache.current()).byHash.size);
  }
}
