import type { ConnectionTarget } from '../../src/db/data-source';

/**
 * The environment that points a child process (the server, a CLI) at `target`. All connection
 * variables are set, the unused ones blank: the service's dotenv leaves set variables alone, so a
 * developer's .env can neither redirect the child nor add a conflicting setting.
 */
export function databaseEnv(target: ConnectionTarget): Record<string, string> {
  const blank = { DATABASE_URL: '', DB_HOST: '', DB_PORT: '', DB_USERNAME: '', DB_PASSWORD: '', DB_NAME: '' };
  if ('url' in target) return { ...blank, DATABASE_URL: target.url };
  const { host, port, username, password, database } = target;
  return {
    ...blank,
    DB_HOST: host,
    DB_PORT: String(port),
    DB_USERNAME: username,
    DB_PASSWORD: password,
    DB_NAME: database,
  };
}
