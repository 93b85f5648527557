import { Client } from 'pg';
import { clientConfig, withDatabase, type ConnectionTarget } from '../../src/db/data-source';

/**
 * One statement on the server's `postgres` database, on a connection of its own: a database cannot be
 * dropped over a connection to it, and neither CREATE nor DROP DATABASE runs inside a transaction.
 * The tests and the benchmarks make and drop their throwaway databases this way.
 */
export async function adminQuery<Row extends object = object>(
  server: ConnectionTarget,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const client = new Client(clientConfig(withDatabase(server, 'postgres')));
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
