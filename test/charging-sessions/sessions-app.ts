import request from 'supertest';
import { createTestApp, type TestApp } from '../support/test-app';

/** The app of one test file, opened before its tests and closed after, with the calls they share. */
export function sessionsApp() {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const start = (body: object) => request(t.app).post('/v1/charging-sessions').send(body);
  return {
    app: () => t.app,
    db: () => t.db.dataSource,
    start,
    started: async (body: object): Promise<{ id: string }> => (await start(body).expect(201)).body as { id: string },
  };
}
