import 'reflect-metadata';
import dotenv from 'dotenv';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/logger';
import { createBenchDatabase, openServer, startService } from './environment';
import { ReadingSource } from './readings';
import { peakRssDuring } from './rss';
import { runBench } from './teardown';

/**
 * Memory of stream clients that never read. The built service on a fresh bench database, readings
 * posted in batches all along so that events flow, and CLIENTS connections to GET /v1/stream that read
 * their answer's head and nothing after it. Prints the service's peak RSS idle (ingesting, no client),
 * while the clients stay and once they have left, and how many of them the service cut off.
 * `npm run bench:stream-clients [-- --clients=N]`; DB_HOST etc. for a server of your own, else an
 * embedded one.
 */
const CLIENTS = Number(/--clients=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 300);
const BATCH = 100;
const BATCH_EVERY_MS = 100;
const IDLE_MS = 10_000;
const HOLD_MS = 60_000;
const LEFT_MS = 20_000;
const SAMPLE_MS = 5_000;
/** Long enough for a client that reads again to learn its connection was reset. */
const CUT_OFF_CHECK_MS = 2_000;

/** Posts a batch of new readings every BATCH_EVERY_MS until stopped; counts what was not stored. */
function ingest(url: string): { stop(): Promise<number> } {
  const source = new ReadingSource();
  let running = true;
  let refused = 0;
  const loop = (async () => {
    while (running) {
      const paced = sleep(BATCH_EVERY_MS);
      const res = await fetch(`${url}/v1/ingestion/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(source.bodies(BATCH)),
      }).catch(() => undefined);
      if (res?.status !== 201) refused += 1;
      await res?.arrayBuffer();
      await paced;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return refused;
    },
  };
}

/** CLIENTS stream clients that take the status line of their answer and then stop reading. */
async function idleClients(url: string) {
  const { hostname, port } = new URL(url);
  const open = () =>
    new Promise<{ socket: net.Socket; answered: boolean }>((resolve) => {
      const socket = net.connect(Number(port), hostname);
      socket.on('error', () => undefined);
      socket.write(`GET /v1/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.once('data', (head: Buffer) => {
        socket.pause();
        resolve({ socket, answered: head.toString('latin1').startsWith('HTTP/1.1 200') });
      });
    });
  const clients = await Promise.all(Array.from({ length: CLIENTS }, open));
  return {
    answered: clients.filter((client) => client.answered).length,
    /**
     * How many the service cut off: it resets the connection, which a client that does not read
     * learns only once it reads again. Then they all leave.
     */
    leave: async (): Promise<number> => {
      for (const { socket } of clients) socket.resume();
      await sleep(CUT_OFF_CHECK_MS);
      const cutOff = clients.filter(({ socket }) => socket.destroyed).length;
      for (const { socket } of clients) socket.destroy();
      return cutOff;
    },
  };
}

runBench(async ({ defer }) => {
  dotenv.config({ quiet: true });
  const config = loadConfig({ ...process.env, EMBEDDED_PG_DIR: 'data/postgres-bench', EMBEDDED_PG_PORT: '54359' });
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  const server = await openServer(config, createLogger({ logLevel: 'warn' }), defer);
  const target = await createBenchDatabase(server, defer);
  const service = await startService(target, defer);
  const peakDuring = <T>(run: () => Promise<T>) => peakRssDuring([service.pid], run);

  const ingestion = ingest(service.url);
  const { peakMb: idle } = await peakDuring(() => sleep(IDLE_MS));
  const { result: clients, peakMb: held } = await peakDuring(async () => {
    const opened = await idleClients(service.url);
    await sleep(HOLD_MS);
    return opened;
  });
  const cutOff = await clients.leave();
  await sleep(LEFT_MS);
  const { peakMb: left } = await peakDuring(() => sleep(SAMPLE_MS));
  const refusedBatches = await ingestion.stop();

  console.log(
    [
      `${CLIENTS} stream clients that never read, ${(BATCH * 1_000) / BATCH_EVERY_MS} readings/s posted`,
      `RSS idle ${idle.toFixed(0)} MB · with clients ${held.toFixed(0)} MB (+${(held - idle).toFixed(0)}) · ` +
        `${LEFT_MS / 1_000} s after they left ${left.toFixed(0)} MB (+${(left - idle).toFixed(0)})`,
      `clients answered 200: ${clients.answered}; cut off by the service (furthest behind first) during the ` +
        `${HOLD_MS / 1_000} s they stayed: ${cutOff}; batches not stored: ${refusedBatches}`,
    ].join('\n'),
  );
  return 0;
});
