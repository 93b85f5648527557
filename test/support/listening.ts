import type { Express } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from './test-app';

/** The app on a loopback port, for clients that talk to it over HTTP as users do (streams, the simulator). */
export async function listening(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const started = app.listen(0, '127.0.0.1', () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    // fetch and the stream keep their connections alive; close() alone would wait for them to idle out.
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A test file's app over a database of its own, served on loopback before its tests and closed after them. */
export function servedTestApp(): { t: TestApp; url: string } {
  const served = {} as { t: TestApp; url: string };
  let server: Awaited<ReturnType<typeof listening>> | undefined;
  beforeAll(async () => {
    served.t = await createTestApp();
    server = await listening(served.t.app);
    served.url = server.url;
  });
  afterAll(async () => {
    await server?.close();
    await served.t?.close();
  });
  return served;
}
