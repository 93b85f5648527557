import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver got it. */
export interface Received {
  /** The path and query it was sent to. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request: a status with headers (after `delayMs`), or never (until it is closed). */
export type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hold';

/**
 * A real HTTP server on loopback that records every request it gets. It answers 200 (`usualReply`) unless
 * replies are queued with answer(); it can go down (stop) and come back on the same port (restart).
 */
export class Receiver {
  readonly received: Received[] = [];
  private readonly replies: Reply[] = [];
  private readonly held = new Set<ServerResponse>();
  private server: Server;
  private port = 0;
  /** The answer when none is queued. */
  usualReply: Reply = { status: 200 };

  private constructor() {
    this.server = this.create();
  }

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The replies to the next requests, in order; after them, the usual one again. */
  answer(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  /** Down: the port refuses connections, and requests held open are cut. */
  async stop(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.held.clear();
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  /** Back up, on the port it had. */
  async restart(): Promise<void> {
    this.server = this.create();
    await this.listen();
  }

  /** The requests that carried this webhook-id. */
  withId(messageId: string): Received[] {
    return this.received.filter((request) => request.headers['webhook-id'] === messageId);
  }

  private create(): Server {
    return createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received = { path: request.url ?? '', headers: request.headers, body };
        this.received.push(received);
        const reply = this.replies.shift() ?? this.usualReply;
        if (reply === 'hold') {
          this.held.add(response);
          return;
        }
        setTimeout(() => response.writeHead(reply.status, reply.headers).end(reply.body ?? ''), reply.delayMs ?? 0);
      });
    });
  }

  private listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

/** The receiver's side of the spec: verified with the reference package, or it throws. */
export function verify(request: Received, secret: string): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
