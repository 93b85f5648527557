import request from 'supertest';
import { meterReading, minutesAgo, uniqueId } from '../support/factories';
import { bearer, createTestApp, type TestApp } from '../support/test-app';

// Looking at alarms and acknowledging them, as operators do with curl, with keys and roles.

let t: TestApp;
let admin: Record<string, string>;
let reader: Record<string, string>;
/** Silent meters, each with one open alarm, oldest raised first. */
const meters: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  for (let i = 0; i < 5; i++) {
    const meterId = uniqueId('MTR');
    meters.push(meterId);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .send(meterReading({ meterId, timestamp: minutesAgo(60) }))
      .expect(201);
    // One check per meter, so each alarm has its own raise time.
    await t.services.alarmCheck.check();
  }
  admin = bearer((await t.services.auth.create('night-shift', 'admin')).key);
  reader = bearer((await t.services.auth.create('wallboard', 'read')).key);
});
afterAll(() => t.close());

const list = (query: Record<string, string | number>, headers = reader) =>
  request(t.app).get('/v1/alarms').query(query).set(headers);
const alarmOf = async (meterId: string) =>
  (await list({ deviceId: meterId }).expect(200)).body.alarms[0] as { id: string; state: string };
const acknowledge = (id: string, body?: object, headers = admin) => {
  const req = request(t.app).post(`/v1/alarms/${id}/acknowledge`).set(headers);
  return body === undefined ? req : req.send(body);
};
const changesOf = async (id: string) =>
  (await t.db.dataSource.query(`SELECT change FROM alarm_change WHERE alarm_id = $1`, [id])).length as number;

/** A cursor as the service writes them, at a raise time of the test's choosing. */
const cursorOf = (raisedAt: string) =>
  Buffer.from(JSON.stringify([raisedAt, '0b9e3c1e-1111-4a4a-8888-000000000000'])).toString('base64url');

describe('listing alarms', () => {
  it('pages through every alarm newest first, each once, whatever the page size', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await list({ type: 'device-silent', limit: 2, ...(cursor && { cursor }) }).expect(200);
      expect(body.alarms.length).toBeLessThanOrEqual(2);
      seen.push(...body.alarms.map((alarm: { subject: { id: string } }) => alarm.subject.id));
      cursor = body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...meters].reverse());
  });

  it('narrows by state', async () => {
    const id = (await alarmOf(meters[0])).id;
    await acknowledge(id).expect(200);
    const acknowledged = (await list({ state: 'acknowledged' }).expect(200)).body.alarms.map(
      (a: { id: string }) => a.id,
    );
    const active = (await list({ state: 'active' }).expect(200)).body.alarms.map((a: { id: string }) => a.id);
    const open = (await list({ state: 'open' }).expect(200)).body.alarms.map((a: { id: string }) => a.id);
    expect(acknowledged).toEqual([id]);
    expect(active).not.toContain(id);
    expect(open).toContain(id);
    expect((await list({ state: 'cleared' }).expect(200)).body.alarms).toEqual([]);
  });

  it.each([
    [{ state: 'closed' }, 'state'],
    [{ type: 'fire' }, 'type'],
    [{ deviceId: 'no spaces' }, 'deviceId'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 501 }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
    [
      { cursor: Buffer.from(JSON.stringify(["2026-01-01'; DROP TABLE alarm;--", 'x'])).toString('base64url') },
      'cursor',
    ],
    [{ cursor: cursorOf('2025-02-30T00:00:00.000000Z') }, 'cursor'],
    [{ cursor: cursorOf('2025-13-01T00:00:00.000000Z') }, 'cursor'],
    [{ cursor: cursorOf('0000-01-01T00:00:00.000000Z') }, 'cursor'],
    [{ colour: 'red' }, 'colour'],
  ])('refuses %j with a problem naming %s', async (query, path) => {
    const { body, headers } = await list(query).expect(400);
    expect(headers['content-type']).toMatch(/application\/problem\+json/);
    expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('answers one alarm with its history, 404 for an unknown id and 400 for a malformed one', async () => {
    const { id } = await alarmOf(meters[1]);
    const { body } = await request(t.app).get(`/v1/alarms/${id}`).set(reader).expect(200);
    expect(body).toMatchObject({ id, history: [{ change: 'raised', by: null, note: null }] });
    await request(t.app).get('/v1/alarms/0b9e3c1e-1111-4a4a-8888-000000000000').set(reader).expect(404);
    await request(t.app).get('/v1/alarms/17').set(reader).expect(400);
  });
});

describe('acknowledging', () => {
  it('records who and why, keeps the alarm open, and says it once however often it is sent', async () => {
    const { id } = await alarmOf(meters[2]);
    const { body } = await acknowledge(id, { note: 'Electrician booked for Tuesday' }).expect(200);
    expect(body).toMatchObject({
      id,
      state: 'acknowledged',
      acknowledgedBy: 'night-shift',
      acknowledgeNote: 'Electrician booked for Tuesday',
      acknowledgedAt: expect.any(String),
      clearedAt: null,
    });
    const again = await acknowledge(id, { note: 'twice' }).expect(200);
    expect(again.body).toEqual(body);
    const detail = await request(t.app).get(`/v1/alarms/${id}`).set(reader).expect(200);
    expect(detail.body.history.map((entry: { change: string; by: string | null }) => [entry.change, entry.by])).toEqual(
      [
        ['raised', null],
        ['acknowledged', 'night-shift'],
      ],
    );
  });

  it('clears an acknowledged alarm when its condition goes, and then refuses to acknowledge it', async () => {
    const { id } = await alarmOf(meters[3]);
    await acknowledge(id).expect(200);
    await request(t.app)
      .post('/v1/ingestion/meter')
      .set(admin)
      .send(meterReading({ meterId: meters[3], timestamp: minutesAgo(0.5) }))
      .expect(201);
    await t.services.alarmCheck.check();

    expect(await alarmOf(meters[3])).toMatchObject({ id, state: 'cleared' });
    const { body } = await acknowledge(id).expect(409);
    expect(body.detail).toMatch(/cleared/);
  });

  it.each([
    [{ note: '' }, 'note'],
    [{ note: 'x'.repeat(501) }, 'note'],
    [{ note: 'bell\u0007' }, 'note'],
    [{ note: 42 }, 'note'],
    [{ by: 'someone else' }, 'by'],
  ])('refuses the body %j and changes nothing', async (body, path) => {
    const { id } = await alarmOf(meters[4]);
    const before = await changesOf(id);
    const answer = await acknowledge(id, body).expect(400);
    expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(await alarmOf(meters[4])).toMatchObject({ state: 'active' });
    expect(await changesOf(id)).toBe(before);
  });

  it('needs an admin key: a read key is refused and nothing changes', async () => {
    const { id } = await alarmOf(meters[4]);
    await acknowledge(id, undefined, reader).expect(403);
    await request(t.app)
      .post(`/v1/alarms/${id}/acknowledge`)
      .set(admin)
      .set('content-type', 'text/plain')
      .send('ok')
      .expect(415);
    expect(await alarmOf(meters[4])).toMatchObject({ state: 'active' });
  });

  it('answers 404 for an alarm that does not exist', async () => {
    await acknowledge('0b9e3c1e-1111-4a4a-8888-000000000000').expect(404);
  });
});
