import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading, vehicleReading } from '../support/factories';

/** A fixed hour in the past, so windows given by from/to can be placed to the millisecond. */
const T = Date.parse('2026-01-10T12:00:00Z');
export const at = (minutesFromT: number) => new Date(T + minutesFromT * 60_000).toISOString();

export const dc = (vehicleId: string, minutes: number, kwhDeliveredDc: number, batteryTemp = 20) =>
  vehicleReading({ vehicleId, timestamp: at(minutes), kwhDeliveredDc, batteryTemp });
export const ac = (meterId: string, minutes: number, kwhConsumedAc: number) =>
  meterReading({ meterId, timestamp: at(minutes), kwhConsumedAc });

/**
 * These tests place a few readings by hand, far fewer than devices reporting every minute would send;
 * their devices report once a day, so that no figure is incomplete unless a test asks for it
 * (coverage.test.ts covers coverage itself).
 */
export const SPARSE_DEVICES = { READING_INTERVAL_SECONDS: '86400' };

/** The app of one test file, opened before its tests and closed after, with the calls they share. */
export function performanceApp(overrides: Record<string, string> = SPARSE_DEVICES) {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(overrides);
  });
  afterAll(() => t.close());
  return {
    app: () => t.app,
    ingest: async (readings: object[]): Promise<void> => {
      await request(t.app).post('/v1/ingestion/batch').send(readings).expect(201);
    },
    openSession: async (body: object): Promise<void> => {
      await request(t.app).post('/v1/charging-sessions').send(body).expect(201);
    },
    performance: (vehicleId: string, query: Record<string, string> = {}) =>
      request(t.app).get(`/v1/analytics/performance/${vehicleId}`).query(query),
  };
}
