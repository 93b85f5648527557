import type { DatabaseTarget } from '../config/config';
import { EMBEDDED_CREDENTIALS, EMBEDDED_HOST } from './embedded-postgres';

/**
 * Where the readings are kept, as boot reports it. For the embedded server: the folder it keeps them
 * in (the fallback one when postgres cannot reach the configured folder) and a psql command that
 * reaches it. For a configured server: its address, never its password.
 */
export function dataLocation(target: DatabaseTarget, embeddedDataDir?: string): Record<string, string> {
  switch (target.kind) {
    case 'embedded': {
      const { username, password } = EMBEDDED_CREDENTIALS;
      const url = `postgresql://${username}:${password}@${EMBEDDED_HOST}:${target.port}/${target.database}`;
      return { dataDir: embeddedDataDir ?? target.dataDir, psql: `psql ${url}` };
    }
    case 'params':
      return { server: `${target.host}:${target.port}`, database: target.database };
    case 'url': {
      const url = new URL(target.url);
      url.password = '';
      return { url: url.toString() };
    }
  }
}
