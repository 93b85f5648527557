import type { ChildProcess } from 'node:child_process';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { spawnTs, waitForOutput } from './spawn-ts';
import { testServer, type IsolatedDatabase } from './test-database';

/** The service as operators run it: `src/server.ts` in a process of its own, on the test's own database. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it has written to stdout so far (its log). */
  output(): string;
  /** Kills it if it still runs, so that a test that failed midway leaves no server behind. */
  kill(): void;
}

/** Starts the service and resolves once it listens; `env` adds to or overrides the test defaults. */
export async function startService(db: IsolatedDatabase, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawnTs('src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...env,
    ...databaseEnv(withDatabase(testServer().target, db.name)),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(child, /fleet platform listening/);
  return {
    child,
    output: () => output,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
