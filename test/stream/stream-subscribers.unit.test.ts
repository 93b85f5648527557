import type { StreamEvent } from '../../src/stream/stream.events';
import { Subscribers, type StreamSink } from '../../src/stream/stream.subscribers';

/** A client that takes nothing: everything sent to it stays queued until it is dropped. */
function stalled(alreadyQueued = 0) {
  const client = { queued: alreadyQueued, chunks: [] as Array<string | Buffer>, dropped: false };
  const sink: StreamSink = {
    send: (frames) => {
      client.chunks.push(frames);
      client.queued += frames.length;
    },
    end: () => undefined,
    queuedBytes: () => (client.dropped ? 0 : client.queued),
    drop: () => (client.dropped = true),
  };
  return { client, sink };
}

const reading = (meterId: string, id: string): StreamEvent => ({
  id,
  name: 'reading',
  devices: { meterId },
  data: { type: 'meter', meterId, kwhConsumedAc: 1, voltage: 230, timestamp: '2026-01-01T00:00:00.000Z' },
});

describe('the clients of one process', () => {
  it('past the budget, drops the clients with the most queued until the rest fits', () => {
    const drops: Array<[number, number]> = [];
    const subscribers = new Subscribers(600_000, (clients, bytes) => drops.push([clients, bytes]));
    const [most, more, least] = [stalled(400_000), stalled(300_000), stalled(100_000)];
    for (const { sink } of [most, more, least]) subscribers.add({ filter: {}, sink });
    expect(most.client.dropped).toBe(true);
    expect(drops).toEqual([[1, 400_000]]);

    subscribers.add({ filter: {}, sink: stalled(250_000).sink });
    expect([more.client.dropped, least.client.dropped]).toEqual([true, false]);
    expect(subscribers.size).toBe(2);
  });

  it('sends the clients with the same filter one shared buffer', () => {
    const subscribers = new Subscribers();
    const [a, b, other] = [stalled(), stalled(), stalled()];
    subscribers.add({ filter: { meterId: 'M-1' }, sink: a.sink });
    subscribers.add({ filter: { meterId: 'M-1' }, sink: b.sink });
    subscribers.add({ filter: { meterId: 'M-2' }, sink: other.sink });
    subscribers.deliver([reading('M-1', 'k.0'), reading('M-2', 'k.1'), reading('M-1', 'k.2')]);

    expect(a.client.chunks).toHaveLength(1);
    expect(b.client.chunks[0]).toBe(a.client.chunks[0]);
    expect(String(a.client.chunks[0]).match(/^id: .*$/gm)).toEqual(['id: k.0', 'id: k.2']);
    expect(String(other.client.chunks[0]).match(/^id: .*$/gm)).toEqual(['id: k.1']);
  });
});
