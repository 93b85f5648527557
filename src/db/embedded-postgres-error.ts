/**
 * The embedded PostgreSQL could not be started. The message is one line that names the cause and
 * what to do about it, because it is what an operator sees when `npm start` stops at boot.
 */
export class EmbeddedPostgresError extends Error {
  constructor(cause: string, fix: string, options?: { cause?: unknown }) {
    super(`embedded PostgreSQL failed to start: ${oneLine(cause)}. Fix: ${fix}`, options);
    this.name = 'EmbeddedPostgresError';
  }
}

/** Server and initdb output spans lines and repeats its prefixes; the message must stay on one line. */
export function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' | ')
    .replace(/\.$/, '');
}
