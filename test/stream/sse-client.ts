export { listening } from '../support/listening';
/** One frame of the stream: an event, or a comment line such as a keep-alive. */
export interface Frame {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

function parse(block: string): Frame {
  const frame: Frame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const match = /^(event|id|data): ?(.*)$/.exec(line);
    if (match) frame[match[1] as 'event' | 'id' | 'data'] = match[2];
  }
  return frame;
}

/** A streaming fetch() of an SSE endpoint, the way a browser dashboard reads it, frame by frame. */
export class SseClient {
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    // A refusal is a problem body for the test to read, not a stream.
    if (response.ok) void this.read();
    else this.ended = true;
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    return new SseClient(response, controller);
  }

  /** The next frame `accept` takes, skipping the others; fails after `timeoutMs`. */
  async next(accept: (frame: Frame) => boolean = (frame) => frame.event !== undefined, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame && accept(frame)) return frame;
      if (frame) continue;
      if (this.ended) throw new Error('the stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next event named `event`, its data parsed. */
  async nextEvent(event = 'reading', timeoutMs?: number): Promise<{ id?: string; data: Record<string, unknown> }> {
    const frame = await this.next((f) => f.event === event, timeoutMs);
    return { id: frame.id, data: JSON.parse(frame.data ?? 'null') as Record<string, unknown> };
  }

  /** Resolves when the server ends the stream. */
  async untilEnded(timeoutMs = 5_000): Promise<void> {
    await this.next(() => false, timeoutMs).catch((error: Error) => {
      if (!this.ended) throw error;
    });
  }

  close(): void {
    this.controller.abort();
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of this.response.body ?? []) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          this.frames.push(parse(text.slice(0, end)));
          text = text.slice(end + 2);
        }
        this.wake();
      }
    } catch {
      // Aborted by close(), or cut by the server.
    }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
