import type { Request } from 'express';
import type { RouteHandler } from '../contract/route-table';
import { parseStreamQuery } from './stream.dto';
import type { StreamService, StreamSink } from './stream.service';

export interface StreamDeps {
  service: StreamService;
  keepAliveMs: number;
}

const KEEP_ALIVE = ': keep-alive\n\n';

function lastEventId(req: Request): string | undefined {
  return req.get('last-event-id')?.trim() || undefined;
}

/** Follows the stream for one client until it leaves or is dropped. */
export function followHandler({ service, keepAliveMs }: StreamDeps): RouteHandler {
  return async (req, res) => {
    const filter = parseStreamQuery(req.query);
    await service.ready();
    // The client may have gone while the listener was being set up.
    if (res.closed) return;
    // Nothing is awaited from here to follow(), so no other client can take the last place in between.
    service.admit();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      // Proxies such as nginx would otherwise hold events back to fill their buffers.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    if (req.method === 'HEAD') return void res.end();
    req.socket.setNoDelay(true);

    // What the client has not taken waits in its socket's queue here, bounded across clients by the
    // service (STREAM_BUFFER_BUDGET_BYTES): a client too far behind is dropped and resumes with Last-Event-ID.
    const sink: StreamSink = {
      send(frames) {
        if (!res.destroyed && !res.writableEnded) res.write(frames);
      },
      // Ended with frames still queued, a client that does not read would keep them, out of the budget's sight.
      end: () => (res.writableLength > 0 ? sink.drop() : res.end()),
      queuedBytes: () => res.writableLength,
      // A reset, not a FIN: a FIN waits behind what the client has not read, so it would neither learn that
      // it was cut off nor let the kernel free what is queued for it.
      drop: () => void (res.socket ? res.socket.resetAndDestroy() : res.destroy()),
    };
    const keepAlive = setInterval(() => sink.send(KEEP_ALIVE), keepAliveMs);
    const unsubscribe = service.follow(filter, lastEventId(req), sink);
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  };
}
