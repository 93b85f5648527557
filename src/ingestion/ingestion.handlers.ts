import type { Response } from 'express';
import type { RouteHandler } from '../contract/route-table';
import { ForbiddenError, ValidationError, type FieldError } from '../errors/problem';
import { accessOf, type DeviceGate } from '../auth/auth.public';
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

  /** What this caller may write for; authenticate() set it before any /v1 route. */
  const gateOf = (res: Response): DeviceGate => {
    const access = accessOf(res);
    if (!access) throw new Error('ingestion runs without authenticate()');
    return access.gate;
  };

  /**
   * A valid reading this caller may not write: another device than its scope holds, or one the
   * registry refuses. Checked after the reading's own rules, so a reading that is both invalid and
   * someone else's is told what is wrong with it first. The gate counts it as an auth refusal, and the
   * service as a rejected reading.
   */
  const refusal = (gate: DeviceGate, reading: Reading): FieldError | undefined => {
    const refused = gate.reading(reading.type, readingId(reading));
    if (!refused) return undefined;
    service.refusedFor(reading.type);
    return { path: reading.type === 'meter' ? 'meterId' : 'vehicleId', message: refused.message };
  };

  const single =
    (expected: ReadingType | 'any'): RouteHandler =>
    async (req, res) => {
      const parsed = parseReading(req.body, expected, rules());
      if (!parsed.ok) {
        countRejected(req.body, expected);
        throw new ValidationError('The reading is invalid; nothing was stored.', parsed.errors);
      }
      const refused = refusal(gateOf(res), parsed.reading);
      if (refused) {
        throw new ForbiddenError(
          `The reading is for ${parsed.reading.type} ${readingId(parsed.reading)}, but ${refused.message}; nothing was stored.`,
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
    const gate = gateOf(res);
    const valid: Reading[] = [];
    const rejected: BatchItemErrors[] = [];
    let refusedItems = 0;
    body.forEach((item, index) => {
      const parsed = parseReading(item, 'any', batchRules);
      const refused = parsed.ok ? refusal(gate, parsed.reading) : undefined;
      if (parsed.ok && !refused) {
        valid.push(parsed.reading);
      } else if (parsed.ok && refused) {
        rejected.push({ index, errors: [refused] });
        refusedItems += 1;
      } else if (!parsed.ok) {
        rejected.push({ index, errors: parsed.errors });
        countRejected(item, 'any');
      }
    });
    if (refusedItems === body.length) {
      throw new ForbiddenError(
        `No reading in the batch may be written by this caller (${rejected[0].errors[0].message}); nothing was stored.`,
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
