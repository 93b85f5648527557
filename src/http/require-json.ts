import type { RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors/problem';

export const JSON_TYPES = ['application/json', 'application/*+json'];

/** A body in another format is refused with 415; an absent body is left to validation (400). */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.is(JSON_TYPES) === false) {
    next(new UnsupportedMediaTypeError(`Expected application/json, got ${req.get('content-type')}.`));
    return;
  }
  next();
};
