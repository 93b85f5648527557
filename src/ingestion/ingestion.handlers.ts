import type { Response } from 'express';
import type { RouteHandler } from '../contract/route-table';
import { ForbiddenError, ValidationError, type FieldError } from '../errors/problem';
import { accessOf, type Principal } from '../auth/auth.public';
import {
  claimedType,
  parseReading,
  readingId,
  type Reading,
  type ReadingRules,
  type ReadingType,
} from './ingestion.dto';
import type { CalendarInterval } from '../config/config';
import { shift } from '../partitions/partitions.public';
import type { BatchItemErrors, BatchResult, IngestionResult } from './ingestion.responses';
import type { IngestionService } from './ingestion.service';

/** The device a device credential is bound to. */
type Device = NonNullable<Principal['device']>;

/** The limits a reading is checked against at the edge, from the configuration. */
interface ReadingLimits {
  maxClockSkewSeconds: number;
  maxReadingKwh: number;
  /** History older than this is dropped, so readings older than it are refused. */
  retention?: CalendarInterval;
  batchMaxItems: number;
}

export interface IngestionDeps {
  service: IngestionService;
  options: ReadingLimits;
}

/** The ingestion handlers over one service and its limits: single readings of one type or either, and batches. */
export function ingestionHandlers({ service, options }: IngestionDeps) {
  const rules = (): ReadingRules => {
    const now = new Date();
    return {
      maxClockSkewSeconds: options.maxClockSkewSeconds,
      maxReadingKwh: options.maxReadingKwh,
      oldestAllowed: options.retention && shift(now, options.retention, -1),
      now,
    };
  };
  const countRejected = (body: unknown, expected: ReadingType | 'any') =>
    service.rejected(expected === 'any' ? claimedType(body) : expected);

  /** The one device a device credential writes for; undefined for an API key or an open service. */
  const boundDevice = (res: Response): Device | undefined => {
    const access = accessOf(res);
    return access && !access.open ? access.principal.device : undefined;
  };

  /**
   * What a device credential may not write: a reading of any device but its own. Checked after the
   * reading's own rules, so a reading that is both invalid and someone else's is told what is wrong
   * with it first.
   */
  const outOfScope = (device: Device | undefined, reading: Reading): FieldError | undefined => {
    if (!device || (device.kind === reading.type && device.id === readingId(reading))) return undefined;
    return {
      path: reading.type === 'meter' ? 'meterId' : 'vehicleId',
      message: `this credential writes readings of ${device.kind} ${device.id} only`,
    };
  };

  const single =
    (expected: ReadingType | 'any'): RouteHandler =>
    async (req, res) => {
      const parsed = parseReading(req.body, expected, rules());
      if (!parsed.ok) {
        countRejected(req.body, expected);
        throw new ValidationError('The reading is invalid; nothing was stored.', parsed.errors);
      }
      const foreign = outOfScope(boundDevice(res), parsed.reading);
      if (foreign) {
        service.refusedForScope(parsed.reading.type);
        throw new ForbiddenError(
          `The reading is for ${parsed.reading.type} ${readingId(parsed.reading)}, but ${foreign.message}; nothing was stored.`,
        );
      }
      const { duplicate } = await service.ingestOne(parsed.reading);
      const answer: IngestionResult = {
        type: parsed.reading.type,
        id: readingId(parsed.reading),
        timestamp: parsed.reading.timestamp.toISOString(),
        duplicate,
      };
      res.status(duplicate ? 200 : 201).json(answer);
    };

  const batch: RouteHandler = async (req, res) => {
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) {
      throw new ValidationError('A batch is a non-empty JSON array of readings.', [
        { path: '', message: 'must be a non-empty array' },
      ]);
    }
    if (body.length > options.batchMaxItems) {
      throw new ValidationError(
        `A batch holds at most ${options.batchMaxItems} readings; this one has ${body.length}.`,
        [{ path: '', message: `must contain at most ${options.batchMaxItems} items` }],
      );
    }
    const batchRules = rules();
    const device = boundDevice(res);
    const valid: Reading[] = [];
    const rejected: BatchItemErrors[] = [];
    let foreignItems = 0;
    body.forEach((item, index) => {
      const parsed = parseReading(item, 'any', batchRules);
      const foreign = parsed.ok ? outOfScope(device, parsed.reading) : undefined;
      if (parsed.ok && !foreign) {
        valid.push(parsed.reading);
      } else if (parsed.ok && foreign) {
        rejected.push({ index, errors: [foreign] });
        foreignItems += 1;
        service.refusedForScope(parsed.reading.type);
      } else if (!parsed.ok) {
        rejected.push({ index, errors: parsed.errors });
        countRejected(item, 'any');
      }
    });
    if (valid.length === 0 && foreignItems === body.length) {
      throw new ForbiddenError(
        `Every reading in the batch is for another device than this credential's; nothing was stored.`,
      );
    }
    if (valid.length === 0) {
      throw new ValidationError(
        'No reading in the batch is valid; nothing was stored.',
        rejected.flatMap(({ index, errors }) =>
          errors.map(({ path, message }) => ({ path: path ? `[${index}].${path}` : `[${index}]`, message })),
        ),
      );
    }
    const summary = await service.ingestBatch(valid);
    const answer: BatchResult = { received: body.length, ...summary, rejected: rejected.length, errors: rejected };
    res.status(rejected.length > 0 ? 207 : 201).json(answer);
  };

  return { single, batch };
}
