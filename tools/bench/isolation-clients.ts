import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from './stats';

/** What devices posting single readings saw during one scenario. */
export interface ProbeResult {
  sent: number;
  /** Answers by status; `error` for a request that got no answer at all. */
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Readings answered after more than a second. */
  overOneSecond: number;
}

const PROBE_WORKERS = 8;
/** Each device posts about every 20 ms: steady traffic well below what the service can take, so waits show. */
const PROBE_PAUSE_MS = 20;

/**
 * Devices posting single meter readings one after the other until `stop`, each reading new (its own
 * meter, a second after the last), timed from send to answer.
 */
export async function probeReadings(url: string, stop: AbortSignal, tag: string): Promise<ProbeResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = Date.now() - 30 * 60_000;
  const worker = async (w: number) => {
    for (let k = 0; !stop.aborted; k++) {
      const body = {
        meterId: `ISO-${tag}-${w}`,
        kwhConsumedAc: 0.25,
        voltage: 230,
        timestamp: new Date(start + k * 1_000).toISOString(),
      };
      const sent = performance.now();
      const status = await fetch(`${url}/v1/ingestion/meter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          return String(res.status);
        },
        () => 'error',
      );
      latencies.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
      await sleep(PROBE_PAUSE_MS);
    }
  };
  await Promise.all(Array.from({ length: PROBE_WORKERS }, (_, w) => worker(w)));
  return {
    sent: latencies.length,
    statuses,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(0, ...latencies),
    overOneSecond: latencies.filter((ms) => ms > 1_000).length,
  };
}

/** A client that asks for something and then stops reading: its status line is all it takes in. */
export interface StalledClient {
  /** The status the service answered, once its first bytes arrived. */
  status: Promise<number>;
  socket: Socket;
}

export function stalledGet(url: string, path: string, headers: Record<string, string>): StalledClient {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const status = new Promise<number>((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      // From here on the kernel's buffers fill and the service's writes back up, as for a stalled reader.
      socket.pause();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0));
    });
    socket.once('error', reject);
  });
  return { status, socket };
}

/** A stream client that reads everything it is sent; `status` settles with the answer's status. */
export function followStream(url: string): { status: Promise<number>; close(): void } {
  const controller = new AbortController();
  const status = fetch(`${url}/v1/stream`, { signal: controller.signal }).then((res) => {
    void res.body?.pipeTo(new WritableStream()).catch(() => undefined);
    return res.status;
  });
  status.catch(() => undefined);
  return { status, close: () => controller.abort() };
}
