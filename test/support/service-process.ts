import type { ChildProcess } from 'node:child_process';
import { withDatabase } from '../../src/db/data-source';
import { databaseEnv } from '../../tools/shared/database-env';
import { spawnTs, waitForOutput } from './spawn-ts';
import { testServer, type IsolatedDatabase } from './test-database';

/** The service as operators run it: `src/server.ts` in a process of its own, on the test's own database. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Where it listens: `http://127.0.0.1:<port>`, the port the system gave it. */
  url: string;
  /** Everything it has written to stdout so far (its log). */
  output(): string;
  /** Kills it if it still runs, so that a test that failed midway leaves no server behind. */
  kill(): void;
}

/**
 * Starts the service and resolves once it listens; `env` adds to or overrides the test defaults. It
 * listens on a port the system picks (PORT=0), read back from its log, so that no two tests, nor any
 * other program on the machine, can be given the same one.
 */
export async function startService(db: IsolatedDatabase, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawnTs('src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: '0',
    ...env,
    ...databaseEnv(withDatabase(testServer().target, db.name)),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(child, /fleet platform listening/);
  const listening = output.split('\n').find((line) => line.includes('fleet platform listening'));
  const { port } = JSON.parse(listening ?? '{}') as { port?: number };
  if (!port) throw new Error(`the service did not say which port it listens on:\n${output}`);
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
