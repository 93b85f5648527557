import type { Request, Router } from 'express';
import { guardedRouter } from '../auth/guarded-router';
import { parseStreamQuery } from './stream.dto';
import type { StreamService, StreamSink } from './stream.service';

export interface StreamRouterOptions {
  keepAliveMs: number;
}

/**
 * Frames a client has not taken yet, queued in this process. A client that falls this far behind is
 * disconnected rather than buffered for without end; it comes back with Last-Event-ID and catches up
 * from the replay buffer, or is told to reload.
 */
const SLOW_CLIENT_BYTES = 1024 * 1024;

const KEEP_ALIVE = ': keep-alive\n\n';

function lastEventId(req: Request): string | undefined {
  return req.get('last-event-id')?.trim() || undefined;
}

export function streamRouter(service: StreamService, options: StreamRouterOptions): Router {
  const routes = guardedRouter();
  routes.get('/stream', 'read', async (req, res) => {
    const filter = parseStreamQuery(req.query);
    await service.ready();
    // The client may have gone while the listener was being set up.
    if (res.closed) return;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      // Proxies such as nginx would otherwise hold events back to fill their buffers.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    if (req.method === 'HEAD') return void res.end();
    req.socket.setNoDelay(true);

    const sink: StreamSink = {
      send(frames) {
        if (res.destroyed || res.writableEnded) return;
        res.write(frames);
        if (res.writableLength > SLOW_CLIENT_BYTES) res.destroy();
      },
      end: () => res.end(),
    };
    const keepAlive = setInterval(() => sink.send(KEEP_ALIVE), options.keepAliveMs);
    const unsubscribe = service.follow(filter, lastEventId(req), sink);
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  });
  return routes.router;
}
