import type { RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors/problem';

export const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A body in another format is refused with 415; an absent body is left to validation (400). A body of
 * no bytes and no media type is absent too: many clients send `Content-Length: 0` with a bodyless POST.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  const empty = req.get('content-length') === '0' && req.get('content-type') === undefined;
  if (!empty && req.is(JSON_TYPES) === false) {
    next(new UnsupportedMediaTypeError(`Expected application/json, got ${req.get('content-type')}.`));
    return;
  }
  next();
};
