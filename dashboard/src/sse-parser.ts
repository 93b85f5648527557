// The text/event-stream format as the HTML spec parses it (the fields this service sends: event, data,
// id; comments). Kept free of the DOM so that it can be tested on its own.

export interface ServerEvent {
  event: string;
  data: string;
  id?: string;
}

/** Feeds text in any chunking and calls `dispatch` for each complete event, as the HTML spec parses them. */
export class EventStreamParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id?: string;
  /** The last id seen, kept across events: what a reconnect sends as Last-Event-ID. */
  lastEventId?: string;

  constructor(private readonly dispatch: (event: ServerEvent) => void) {}

  push(chunk: string): void {
    const text = this.buffer + chunk;
    // A trailing \r may be the first half of \r\n: it waits, or the \n would end an empty line too.
    const end = text.endsWith('\r') ? text.length - 1 : text.length;
    const lines = text.slice(0, end).split(/\r\n|\r|\n/);
    // The last piece is an unfinished line (empty right after a line break); it waits for more text.
    this.buffer = (lines.pop() ?? '') + text.slice(end);
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') return this.flush();
    if (line.startsWith(':')) return; // a comment, such as the server's keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }

  private flush(): void {
    if (this.id !== undefined) this.lastEventId = this.id;
    if (this.data.length > 0) {
      this.dispatch({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
    }
    this.event = '';
    this.data = [];
    this.id = undefined;
  }
}
