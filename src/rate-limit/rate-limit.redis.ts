import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { SendCommandFn } from 'rate-limit-redis';
import type { AppConfig } from '../config/config';

/** What the limiter needs from Redis: raw commands, and closing at shutdown. */
export interface RedisConnection {
  sendCommand: SendCommandFn;
  close(): Promise<void>;
}

const BOOT_ATTEMPTS = 5;

/**
 * Connects when REDIS_URL is set. An unreachable Redis at boot stops the start, like an unreachable
 * database; once running, the client reconnects by itself and commands fail at once while it is away
 * (no offline queue), so the limiter lets requests through instead of holding them.
 */
export async function openRedis(config: AppConfig['rateLimit'], logger: Logger): Promise<RedisConnection | undefined> {
  if (!config.redisUrl) return undefined;
  let connected = false;
  const client = createClient({
    url: config.redisUrl,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      // Returning an Error ends the retries; a fresh one rather than the socket's own, which comes from
      // another realm under jest and fails node-redis's instanceof check.
      reconnectStrategy: (retries, cause) =>
        !connected && retries >= BOOT_ATTEMPTS ? new Error(cause.message) : Math.min(100 * 2 ** retries, 5_000),
    },
  });
  // node-redis throws an 'error' event without a listener; the URL may carry a password, so it is not logged.
  client.on('error', (error: unknown) => logger.warn({ err: error }, 'redis connection error'));
  client.on('ready', () => {
    if (connected) logger.info('redis reconnected');
    connected = true;
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis (REDIS_URL) did not answer: ${(error as Error).message}`, { cause: error });
  }
  return {
    sendCommand: (...args) => client.sendCommand(args),
    close: () => client.close(),
  };
}
