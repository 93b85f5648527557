import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';
import { meterReading } from '../support/factories';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('GET /v1/meters/:id and /v1/vehicles/:id', () => {
  it('GET /v1/meters/:id answers 404 problem for a meter never seen', async () => {
    const res = await request(t.app).get('/v1/meters/NEVER-SEEN').expect(404);
    expect(res.body).toMatchObject({ status: 404, type: '/problems/not-found' });
  });

  it('GET /v1/meters/:id returns the newest reading', async () => {
    const body = meterReading({ voltage: 231.5 });
    await request(t.app).post('/v1/ingestion/meter').send(body).expect(201);
    const res = await request(t.app).get(`/v1/meters/${body.meterId}`).expect(200);
    expect(res.body).toEqual({
      meterId: body.meterId,
      kwhConsumedAc: body.kwhConsumedAc,
      voltage: 231.5,
      timestamp: body.timestamp,
      updatedAt: expect.any(String),
    });
  });

  it('GET with an id that breaks the id rules answers 400', async () => {
    const res = await request(t.app).get('/v1/vehicles/bad%20id').expect(400);
    expect(res.body.errors[0].path).toBe('vehicleId');
  });
});
