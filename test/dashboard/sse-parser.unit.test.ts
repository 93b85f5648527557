import { EventStreamParser, type ServerEvent } from '../../dashboard/src/sse-parser';

function parse(chunks: string[]): { events: ServerEvent[]; lastEventId?: string } {
  const events: ServerEvent[] = [];
  const parser = new EventStreamParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return { events, lastEventId: parser.lastEventId };
}

const STREAM =
  ': keep-alive\n\n' +
  'event: reading\nid: 7\ndata: {"type":"meter","meterId":"M1"}\n\n' +
  'event: low-efficiency\r\nid: 8\r\ndata: {"a":1,\r\ndata: "b":2}\r\n\r\n' +
  'data:no space\n\n' +
  'event: reading\ndata: {"unfinished":true}';

const EXPECTED: ServerEvent[] = [
  { event: 'reading', id: '7', data: '{"type":"meter","meterId":"M1"}' },
  { event: 'low-efficiency', id: '8', data: '{"a":1,\n"b":2}' },
  { event: 'message', id: undefined, data: 'no space' },
];

describe('the dashboard’s text/event-stream parser', () => {
  it('dispatches complete events only, skips comments, joins data lines and keeps the last id', () => {
    expect(parse([STREAM])).toEqual({ events: EXPECTED, lastEventId: '8' });
  });

  it('gives the same events whatever the chunking, a CRLF split included', () => {
    for (let size = 1; size <= 7; size++) {
      const chunks = STREAM.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      expect(parse(chunks)).toEqual({ events: EXPECTED, lastEventId: '8' });
    }
    const crlf = STREAM.indexOf('\r\n');
    expect(parse([STREAM.slice(0, crlf + 1), STREAM.slice(crlf + 1)]).events).toEqual(EXPECTED);
  });
});
