import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';

// A body nested thousands of levels deep is valid JSON, and the libraries that walk bodies recurse:
// every route answers it with a 400 problem, never a 500 from an exhausted stack, and stores nothing.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

describe('deeply nested bodies', () => {
  it.each([
    ['post', '/v1/devices', 'label'],
    ['post', '/v1/charging-sessions', 'vehicleId'],
    ['post', '/v1/api-keys', 'name'],
    ['post', '/v1/webhooks', 'description'],
    ['post', '/v1/alarms/0b9e3c1e-1111-4a4a-8888-000000000000/acknowledge', 'note'],
    ['post', '/v1/ingestion/meter', 'meterId'],
    ['post', '/v1/ingestion/vehicle', 'vehicleId'],
  ] as const)('%s %s with %s nested 5000 levels deep is a 400 problem', async (method, path, field) => {
    const res = await request(t.app)
      [method](path)
      .set('content-type', 'application/json')
      .send(`{"${field}":${deep(5000)}}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('a batch of deeply nested items is a 400 problem', async () => {
    const res = await request(t.app)
      .post('/v1/ingestion/batch')
      .set('content-type', 'application/json')
      .send(`[{"meterId":${deep(5000)}}]`);
    expect(res.status).toBe(400);
  });
});
