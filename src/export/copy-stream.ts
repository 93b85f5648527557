import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { Connection, type PoolClient } from 'pg';

/** What pg keeps of a connected client and leaves out of its types: where it went and its backend's key. */
interface BackendKey {
  host: string;
  port: number;
  processID: number;
  secretKey: number;
}

/** The part of pg's Connection that sends a cancel request, missing from its types. */
interface CancelConnection extends Connection {
  connect(port: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

/** A cancel request the server has not closed by then is given up; the statement runs to its end or timeout. */
const CANCEL_TIMEOUT_MS = 5_000;

/**
 * Cancels whatever `client` is running with PostgreSQL's own cancel request: a fresh socket that
 * carries only the backend's process id and secret key, so it needs no pooled connection however
 * busy the pools are, and no login. The server acts on it before closing that socket, so once this
 * settles the backend has been told.
 */
export function cancelRunning(client: PoolClient): Promise<void> {
  const { host, port, processID, secretKey } = client as unknown as BackendKey;
  const connection = new Connection() as CancelConnection;
  return new Promise((resolve, reject) => {
    connection.once('connect', () => connection.cancel(processID, secretKey));
    connection.once('error', reject);
    connection.once('end', () => resolve());
    (connection.stream as Socket).setTimeout(CANCEL_TIMEOUT_MS, () =>
      connection.stream.destroy(new Error(`the cancel request got no answer in ${CANCEL_TIMEOUT_MS} ms`)),
    );
    if (host.startsWith('/')) connection.connect(`${host}/.s.PGSQL.${port}`);
    else connection.connect(port, host);
  });
}

/**
 * Ends `sink` (destroys it, with the socket under a response) when it has wanted draining for
 * `idleMs`: its reader stopped reading. A reader that keeps up, however slowly, drains it in between.
 */
function dropWhenIdle(source: Readable, sink: Writable, idleMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  source.on('data', () => {
    if (timer === undefined && sink.writableNeedDrain) timer = setTimeout(() => sink.destroy(), idleMs);
  });
  sink.on('drain', disarm);
  sink.once('finish', disarm);
  sink.once('close', disarm);
}

/**
 * Pipes `source` into `sink` with back-pressure, and settles once the COPY is over. When the sink closes
 * first (the client went away, or stopped reading for `idleMs`), the statement is cancelled and what
 * is still in flight is read and dropped: a server blocked on a full socket acts on a cancel only once
 * it can send again.
 */
export function streamInto(
  source: Readable,
  sink: Writable,
  { cancel, idleMs }: { cancel: () => Promise<unknown>; idleMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    let cancelling: Promise<unknown> | undefined;
    let over = false;
    const abandon = () => {
      if (over || sink.writableFinished || cancelling) return;
      source.unpipe(sink);
      source.resume();
      // Should the cancel fail, the statement runs to its end or its timeout, its rows dropped here.
      cancelling = cancel().catch(() => undefined);
    };
    const settle = (error?: Error) => {
      // A cancel that lands just after the last row fails a COPY already reported; nobody is left to tell.
      if (over) return;
      over = true;
      sink.off('close', abandon);
      // The connection goes back to the pool only after the cancel was delivered, so it cannot hit the next user.
      void Promise.resolve(cancelling).then(() => (error === undefined || cancelling ? resolve() : reject(error)));
    };
    source.on('error', settle);
    source.once('end', () => settle());
    sink.once('close', abandon);
    if (sink.destroyed) return abandon();
    source.pipe(sink);
    // After the pipe, so that each chunk's check sees the sink as that chunk's write left it.
    dropWhenIdle(source, sink, idleMs);
  });
}
