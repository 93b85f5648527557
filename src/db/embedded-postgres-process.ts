import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PostmasterOptions {
  binDir: string;
  dataDir: string;
  port: number;
  flags: string[];
  /** As root, the account PostgreSQL runs as. */
  uid?: number;
  gid?: number;
  onLog(text: string): void;
}

export interface Postmaster {
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let safetyNetsArmed = false;

/**
 * Starts PostgreSQL in a session (and so a process group) of its own. Ctrl-C signals the terminal's
 * whole foreground group: sharing Node's, the server would begin its fast shutdown at once and refuse
 * the readings the service is still draining. Out of that group it stops only when stop() says so.
 * Ready once postmaster.pid reports it: the state is written there in every locale.
 */
export async function startPostmaster(options: PostmasterOptions): Promise<Postmaster> {
  armSafetyNets();
  const child = spawn(
    path.join(options.binDir, 'postgres'),
    ['-D', options.dataDir, '-p', String(options.port), ...options.flags],
    {
      uid: options.uid,
      gid: options.gid,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  child.stderr?.on('data', (chunk: Buffer) => options.onLog(chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (isReady(options.dataDir, child.pid)) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
    child.once('error', (error) => {
      running.delete(child);
      clearInterval(poll);
      reject(error);
    });
    void exited.then(() => {
      clearInterval(poll);
      reject(new Error(`postgres exited with ${child.exitCode ?? child.signalCode}`));
    });
  });
  return {
    async stop() {
      // Fast shutdown: the service has closed its connections by now; anyone else's are ended.
      if (running.has(child)) child.kill('SIGINT');
      await exited;
    },
  };
}

/** Line 1 of postmaster.pid is the server's pid, line 8 its state ("ready" once it accepts connections). */
function isReady(dataDir: string, pid: number | undefined): boolean {
  try {
    const lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
  } catch {
    return false;
  }
}

/**
 * Out of Node's process group, a server would outlive a process that ends without stopping it. On
 * exit, whatever the way, the server is told to shut down (it finishes on its own). On a signal that
 * the process does not handle itself, it stops the server and exits as the signal would have; a
 * process with a handler of its own (the service, which drains first) stops the server itself.
 */
function armSafetyNets(): void {
  if (safetyNetsArmed) return;
  safetyNetsArmed = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) > 1) return;
      const stopped = [...running].map((child) => {
        child.kill('SIGINT');
        return new Promise((resolve) => child.once('exit', resolve));
      });
      void Promise.all(stopped).then(() => process.exit(128 + os.constants.signals[signal]));
    });
  }
}
