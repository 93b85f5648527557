import express, { type Request, type Response } from 'express';
import { Pool } from 'pg';

/**
 * A baseline of `npm run bench`: the ingestion endpoints as a first version would write them, with
 * Express 5 and pg on the service's schema. express.json(), the fields checked by hand, and per reading
 * one transaction that appends to history (a retry is a conflict, not a second row) and moves the live
 * row forward only to a newer reading, like the service's statements. A default pg.Pool, as the
 * service's default size is the same 10.
 */
interface Endpoint {
  table: 'meter' | 'vehicle';
  /** The id field of the body and its column. */
  id: [field: string, column: string];
  /** Measured fields of the body and their columns. */
  measures: Array<[field: string, column: string]>;
}

const ENDPOINTS: Endpoint[] = [
  {
    table: 'meter',
    id: ['meterId', 'meter_id'],
    measures: [
      ['kwhConsumedAc', 'kwh_consumed_ac'],
      ['voltage', 'voltage'],
    ],
  },
  {
    table: 'vehicle',
    id: ['vehicleId', 'vehicle_id'],
    measures: [
      ['soc', 'soc'],
      ['kwhDeliveredDc', 'kwh_delivered_dc'],
      ['batteryTemp', 'battery_temp'],
    ],
  },
];

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const app = express();
app.use(express.json());

function handler({ table, id, measures }: Endpoint) {
  const columns = [id[1], 'ts', ...measures.map(([, column]) => column)];
  const list = columns.join(', ');
  const values = columns.map((_, index) => `$${index + 1}`).join(', ');
  const updates = columns.slice(1).map((column) => `${column} = EXCLUDED.${column}`);
  const insertHistory = `INSERT INTO ${table}_history (${list}) VALUES (${values}) ON CONFLICT (${id[1]}, ts) DO NOTHING`;
  const upsertLive = `INSERT INTO ${table}_live (${list}) VALUES (${values})
    ON CONFLICT (${id[1]}) DO UPDATE SET ${updates.join(', ')}, updated_at = now() WHERE ${table}_live.ts < EXCLUDED.ts`;

  return async (request: Request, response: Response) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const deviceId = body[id[0]];
    const timestamp = typeof body.timestamp === 'string' ? new Date(body.timestamp) : undefined;
    const numbers = measures.map(([field]) => body[field]);
    if (
      typeof deviceId !== 'string' ||
      deviceId === '' ||
      !timestamp ||
      Number.isNaN(timestamp.getTime()) ||
      !numbers.every((value) => typeof value === 'number' && Number.isFinite(value))
    ) {
      response.status(400).json({ error: 'invalid reading' });
      return;
    }
    const params = [deviceId, timestamp, ...numbers];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(insertHistory, params);
      await client.query(upsertLive, params);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
    response.status(201).json({});
  };
}

for (const endpoint of ENDPOINTS) app.post(`/v1/ingestion/${endpoint.table}`, handler(endpoint));

app.listen(Number(process.env.PORT), '127.0.0.1');
