import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { namesPrivateHost, publicOnlyLookup, RefusedAddressError } from './webhook-destination';

/** How one POST ended. */
export type Answer =
  | { kind: 'answered'; status: number; retryAfter: string | undefined; excerpt: string }
  /** No complete answer within the timeout. */
  | { kind: 'timeout' }
  /** The address connected to is loopback, private, link-local or a metadata address. */
  | { kind: 'refused' }
  /** No answer: the name did not resolve, the connection was refused or reset, TLS failed. */
  | { kind: 'failed'; reason: string }
  /** Cut short by this process stopping. */
  | { kind: 'interrupted' };

/** Of an answer's body only this much is kept, for the delivery's `lastError`; the rest is read and dropped. */
const EXCERPT_BYTES = 200;

/** The agent's refusal names the address it found and why it will not connect there. */
const REFUSED = /is not allowed\. Because/;
const isRefusal = (error: Error) => error instanceof RefusedAddressError || REFUSED.test(error.message);

/** Printable, one line: an answer's body may hold anything, and PostgreSQL text holds no NUL. */
const printable = (bytes: Buffer) =>
  bytes
    .toString('utf8')
    .replace(/[\p{Cc}\s]+/gu, ' ')
    .trim();

/**
 * POSTs deliveries with Node's own client through agents that check the address each connection goes
 * to (request-filtering-agent), whatever name or DNS answer led there, so a receiver cannot send the
 * service into its own network; a redirect is an answer like any other and is never followed. The
 * addresses a name resolves to, and one written in the URL, are held to isPublicAddress first, the
 * rule endpoints are added by: the agent's own check lets IPv4-compatible addresses (`::7f00:1`) by,
 * and its deny list cannot be told about them without a warning for every IPv4 connection.
 */
export class WebhookSender {
  private readonly agents: Record<'http:' | 'https:', http.Agent>;

  constructor(
    private readonly allowPrivate: boolean,
    private readonly timeoutMs: number,
  ) {
    const options = { allowPrivateIPAddress: allowPrivate, lookup: allowPrivate ? undefined : publicOnlyLookup };
    this.agents = {
      'http:': new RequestFilteringHttpAgent(options),
      'https:': new RequestFilteringHttpsAgent(options),
    };
  }

  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Answer> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve({ kind: 'interrupted' });
      // An address written out is connected to without a lookup: it is checked here instead.
      if (!this.allowPrivate && namesPrivateHost(url)) return resolve({ kind: 'refused' });
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(target, {
        method: 'POST',
        agent: this.agents[target.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      let settled = false;
      const settle = (answer: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', interrupt);
        request.destroy();
        resolve(answer);
      };
      // From before the connection to the answer's last byte: a receiver that trickles counts as a timeout.
      const timer = setTimeout(() => settle({ kind: 'timeout' }), this.timeoutMs);
      const interrupt = () => settle({ kind: 'interrupted' });
      signal.addEventListener('abort', interrupt);
      request.on('error', (error) =>
        settle(isRefusal(error) ? { kind: 'refused' } : { kind: 'failed', reason: error.message }),
      );
      request.on('response', (response) => {
        const kept: Buffer[] = [];
        let keptBytes = 0;
        response.on('data', (chunk: Buffer) => {
          if (keptBytes >= EXCERPT_BYTES) return;
          kept.push(chunk.subarray(0, EXCERPT_BYTES - keptBytes));
          keptBytes += kept[kept.length - 1].length;
        });
        response.on('error', (error) => settle({ kind: 'failed', reason: error.message }));
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          settle({
            kind: 'answered',
            status: response.statusCode ?? 0,
            retryAfter,
            excerpt: printable(Buffer.concat(kept)),
          });
        });
      });
      request.end(body);
    });
  }
}
