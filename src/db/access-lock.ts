import type { EntityManager } from 'typeorm';
import { sql } from './sql';

/**
 * The row every change to keys, credentials or the registry ends up writing (its triggers move the
 * access version). Taken first by the changes that also lock device rows, so that all of them take
 * their locks in one order, this one first: an import that registers devices and a retirement of one
 * of them can then never wait on each other in a circle.
 */
export const ACCESS_LOCK = sql`SELECT FROM access_version FOR UPDATE`;

export const lockAccess = (manager: EntityManager): Promise<unknown> => manager.query(ACCESS_LOCK);
