import request from 'supertest';
import { uniqueId } from '../support/factories';
import { createTestApp, type TestApp } from '../support/test-app';
import { listening, loadReadings, tallyCsv } from './export-support';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const ROWS = 1_000_000;
const MB = 1024 * 1024;

describe('a CSV export of a million readings', () => {
  it('streams every row with the analytics total while the server heap stays far below the body size', async () => {
    const vehicleId = uniqueId('VEH');
    const from = '2026-10-01T00:00:00Z';
    const to = '2026-11-15T00:00:00Z';
    // One reading every 3 s: 1 M readings span about 35 days.
    await loadReadings(t.db.dataSource, vehicleId, ROWS, from, 3);

    const server = await listening(t);
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    const sample = () => {
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
    };
    const timer = setInterval(sample, 25);
    try {
      const query = new URLSearchParams({ from, to }).toString();
      const tally = await tallyCsv(`${server.url}/v1/vehicles/${vehicleId}/readings?${query}`, 'kwhDeliveredDc', {
        onChunk: sample,
      });
      expect([tally.status, tally.rows, tally.complete]).toEqual([200, ROWS, true]);
      const analytics = await request(t.app)
        .get(`/v1/analytics/performance/${vehicleId}`)
        .query({ from, to })
        .expect(200);
      const dc = analytics.body.totalKwhDeliveredDc + analytics.body.kwhDeliveredDcOutsideSessions;
      expect(tally.micro).toBe(Math.round(dc * 1_000_000));
      expect(analytics.body.recordCount).toBe(ROWS);

      // Client and server share this process, so the figures cover both; neither may hold the body.
      const heapGrowth = (peakHeap - before.heapUsed) / MB;
      const bufferGrowth = (peakBuffers - before.arrayBuffers) / MB;
      const bodyMb = tally.bytes / MB;
      // Measured: about 13 MB of heap and 9 MB of buffers for a 52 MB body, uncollected garbage included;
      // a server or client holding the body would grow by at least its size.
      expect(bodyMb).toBeGreaterThan(50);
      expect(heapGrowth).toBeLessThan(bodyMb / 2);
      expect(bufferGrowth).toBeLessThan(bodyMb / 2);
    } finally {
      clearInterval(timer);
      await server.close();
    }
  }, 300_000);
});
