import { createHash, randomBytes } from 'node:crypto';

/** API keys read `fp_…`; device tokens `fpd_…`, so a leaked one is known for what it is. */
export const KEY_PREFIX = 'fp_';
export const TOKEN_PREFIX = 'fpd_';

/**
 * 256 random bits cannot be guessed or looked up in a table, so an unsalted fast hash stores them
 * safely; a password hash would only slow every request down. The prefix makes leaked secrets greppable.
 */
export const newSecret = (prefix: string) => prefix + randomBytes(32).toString('base64url');

export const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
