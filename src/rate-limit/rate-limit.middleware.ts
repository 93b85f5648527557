import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Logger } from 'pino';
import { RedisStore } from 'rate-limit-redis';
import { accessOf } from '../auth/auth.public';
import type { AppConfig } from '../config/config';
import { TooManyRequestsError } from '../errors/problem';
import type { RedisConnection } from './rate-limit.redis';

/**
 * One budget per API key across every /v1 route, or per client IP while the service runs open; a
 * batch is one request however many readings it holds. It runs after authenticate(), so it can key
 * by the caller, and so requests with a bad key are refused (401) without spending anyone's budget.
 *
 * Headers follow IETF draft 6 (RateLimit-Limit, -Remaining, -Reset and RateLimit-Policy): separate
 * RateLimit-* fields are what clients and gateways read today, whereas drafts 7 and 8 fold
 * them into one structured RateLimit field few clients parse yet.
 *
 * With Redis every replica counts into the same keys, so the budget is per key, not per key and
 * replica. If Redis stops answering, requests pass unlimited (logged) rather than fail: losing
 * readings is worse than a short loss of flood protection.
 */
export function rateLimiter(
  config: AppConfig['rateLimit'],
  redis: RedisConnection | undefined,
  logger: Logger,
): RequestHandler {
  if (config.max === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: config.windowMs,
    limit: config.max,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const access = accessOf(res);
      return access && !access.open ? `key:${access.principal.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    handler: (req, _res, next) => {
      const { limit, resetTime } = (req as typeof req & { rateLimit: RateLimitInfo }).rateLimit;
      const retryAfter = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now()) - Date.now()) / 1_000));
      next(
        new TooManyRequestsError(
          `More than ${limit} requests in ${config.windowMs / 1_000} s; retry in ${retryAfter} s.`,
          retryAfter,
        ),
      );
    },
    store: redis && new RedisStore({ sendCommand: redis.sendCommand, prefix: config.redisPrefix }),
    passOnStoreError: true,
    logger: {
      error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter error'),
      warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
    },
  });
}
