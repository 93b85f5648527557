import request from 'supertest';
import { chargingSession, uniqueId } from '../support/factories';
import { sessionsApp } from './sessions-app';

const { app, start, started, db } = sessionsApp();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /v1/charging-sessions', () => {
  it('stores a session, answers 201 with its id and a Location, and an omitted end means ongoing', async () => {
    const body = chargingSession({ startedAt: '2026-03-01T09:00:00+01:00' });
    const res = await start(body).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      vehicleId: body.vehicleId,
      meterId: body.meterId,
      startedAt: '2026-03-01T08:00:00.000Z',
      endedAt: null,
      createdAt: expect.any(String),
    });
    expect(res.headers.location).toBe(`/v1/charging-sessions/${res.body.id}`);
  });

  it('stores an ended session', async () => {
    const body = chargingSession({ startedAt: '2026-03-01T08:00:00Z', endedAt: '2026-03-01T09:30:00Z' });
    const res = await start(body).expect(201);
    expect(res.body.endedAt).toBe('2026-03-01T09:30:00.000Z');
  });

  it.each([
    ['equal to startedAt', '2026-03-01T08:00:00Z'],
    ['before startedAt', '2026-03-01T07:59:59.999Z'],
  ])('refuses an endedAt %s with 400 and stores nothing', async (_label, endedAt) => {
    const body = chargingSession({ startedAt: '2026-03-01T08:00:00Z', endedAt });
    const res = await start(body).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.errors).toEqual([{ path: 'endedAt', message: 'endedAt must be after startedAt' }]);
    const list = await request(app()).get('/v1/charging-sessions').query({ vehicleId: body.vehicleId }).expect(200);
    expect(list.body.sessions).toEqual([]);
  });

  it.each([
    ['a vehicleId breaking the id rules', { vehicleId: 'bad id' }, 'vehicleId'],
    ['a missing meterId', { meterId: undefined }, 'meterId'],
    ['a startedAt without a zone', { startedAt: '2026-03-01T08:00:00' }, 'startedAt'],
    ['a date-only endedAt', { endedAt: '2026-03-02' }, 'endedAt'],
    ['an unknown field', { plugId: 3 }, 'plugId'],
  ])('refuses %s with a 400 naming the field', async (_label, overrides, path) => {
    const res = await start({ ...chargingSession({ startedAt: '2026-03-01T08:00:00Z' }), ...overrides }).expect(400);
    expect(res.body).toMatchObject({ status: 400, type: '/problems/validation-error' });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it('refuses a body that is not an object', async () => {
    const res = await start([chargingSession()]).expect(400);
    expect(res.body.errors).toEqual([{ path: '', message: 'must be a JSON object' }]);
  });
});

describe('overlapping sessions of one vehicle', () => {
  it('refuses a session overlapping an ended one with 409 naming it', async () => {
    const vehicleId = uniqueId('VEH');
    const first = await started(
      chargingSession({ vehicleId, startedAt: '2026-03-02T08:00:00Z', endedAt: '2026-03-02T10:00:00Z' }),
    );
    const res = await start(chargingSession({ vehicleId, startedAt: '2026-03-02T09:59:59Z' })).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, type: '/problems/conflict', conflictingSessionIds: [first.id] });
    expect(res.body.detail).toBe(
      `The session overlaps another: vehicle ${vehicleId} already has a charging session in that period.`,
    );
  });

  it('refuses any later session while one is ongoing', async () => {
    const vehicleId = uniqueId('VEH');
    const ongoing = await started(chargingSession({ vehicleId, startedAt: '2026-03-02T08:00:00Z' }));
    const res = await start(
      chargingSession({ vehicleId, startedAt: '2026-09-01T08:00:00Z', endedAt: '2026-09-01T09:00:00Z' }),
    ).expect(409);
    expect(res.body.conflictingSessionIds).toEqual([ongoing.id]);
  });

  it('accepts a session starting exactly when the previous one ended', async () => {
    const vehicleId = uniqueId('VEH');
    await start(
      chargingSession({ vehicleId, startedAt: '2026-03-02T08:00:00Z', endedAt: '2026-03-02T10:00:00Z' }),
    ).expect(201);
    await start(chargingSession({ vehicleId, startedAt: '2026-03-02T10:00:00Z' })).expect(201);
  });

  it('of two concurrent overlapping requests, exactly one is stored', async () => {
    const vehicleId = uniqueId('VEH');
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        start(chargingSession({ vehicleId, startedAt: `2026-03-03T08:0${i}:00Z`, endedAt: '2026-03-03T12:00:00Z' })),
      ),
    );
    expect(attempts.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const list = await request(app()).get('/v1/charging-sessions').query({ vehicleId }).expect(200);
    expect(list.body.sessions).toHaveLength(1);
  });

  it('the database itself refuses an overlapping row written past the service', async () => {
    const vehicleId = uniqueId('VEH');
    await start(
      chargingSession({ vehicleId, startedAt: '2026-03-04T08:00:00Z', endedAt: '2026-03-04T09:00:00Z' }),
    ).expect(201);
    await expect(
      db().query(
        `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES ($1, 'M', $2, NULL)`,
        [vehicleId, '2026-03-04T08:30:00Z'],
      ),
    ).rejects.toMatchObject({ code: '23P01' });
  });
});

describe('PATCH /v1/charging-sessions/:id', () => {
  it('ends an ongoing session', async () => {
    const session = await started(chargingSession({ startedAt: '2026-03-05T08:00:00Z' }));
    const res = await request(app())
      .patch(`/v1/charging-sessions/${session.id}`)
      .send({ endedAt: '2026-03-05T10:15:00+02:00' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: session.id,
      startedAt: '2026-03-05T08:00:00.000Z',
      endedAt: '2026-03-05T08:15:00.000Z',
    });
  });

  it('refuses an end at or before the stored start with 400', async () => {
    const session = await started(chargingSession({ startedAt: '2026-03-05T08:00:00Z' }));
    const res = await request(app())
      .patch(`/v1/charging-sessions/${session.id}`)
      .send({ endedAt: '2026-03-05T08:00:00Z' })
      .expect(400);
    expect(res.body.errors).toEqual([{ path: 'endedAt', message: 'endedAt must be after the session start' }]);
  });

  it('refuses an end that would run into the next session with 409 naming it', async () => {
    const vehicleId = uniqueId('VEH');
    const first = await started(
      chargingSession({ vehicleId, startedAt: '2026-03-06T08:00:00Z', endedAt: '2026-03-06T09:00:00Z' }),
    );
    const next = await started(chargingSession({ vehicleId, startedAt: '2026-03-06T10:00:00Z' }));
    const res = await request(app())
      .patch(`/v1/charging-sessions/${first.id}`)
      .send({ endedAt: '2026-03-06T10:00:01Z' })
      .expect(409);
    expect(res.body.conflictingSessionIds).toEqual([next.id]);
    // Ending exactly when the next one starts is fine.
    await request(app())
      .patch(`/v1/charging-sessions/${first.id}`)
      .send({ endedAt: '2026-03-06T10:00:00Z' })
      .expect(200);
  });

  it('answers 404 for a session that does not exist', async () => {
    const res = await request(app())
      .patch('/v1/charging-sessions/00000000-0000-4000-8000-000000000000')
      .send({ endedAt: '2026-03-05T10:00:00Z' })
      .expect(404);
    expect(res.body).toMatchObject({ status: 404, type: '/problems/not-found' });
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const res = await request(app())
      .patch('/v1/charging-sessions/42')
      .send({ endedAt: '2026-03-05T10:00:00Z' })
      .expect(400);
    expect(res.body.errors[0].path).toBe('id');
  });

  it.each([
    ['a missing endedAt', {}],
    ['an endedAt without a zone', { endedAt: '2026-03-05T10:00:00' }],
    ['a change of start', { endedAt: '2026-03-05T10:00:00Z', startedAt: '2026-03-05T07:00:00Z' }],
  ])('answers 400 for %s', async (_label, body) => {
    const session = await started(chargingSession({ startedAt: '2026-03-05T08:00:00Z' }));
    const res = await request(app()).patch(`/v1/charging-sessions/${session.id}`).send(body).expect(400);
    expect(res.body.type).toBe('/problems/validation-error');
  });
});

describe('GET /v1/charging-sessions', () => {
  const vehicleId = uniqueId('VEH');
  const ids: string[] = [];
  beforeAll(async () => {
    for (const [startedAt, endedAt] of [
      ['2026-04-01T08:00:00Z', '2026-04-01T10:00:00Z'],
      ['2026-04-02T08:00:00Z', '2026-04-02T10:00:00Z'],
      ['2026-04-03T08:00:00Z', undefined],
    ]) {
      ids.push((await started(chargingSession({ vehicleId, startedAt, endedAt }))).id);
    }
    await start(chargingSession({ startedAt: '2026-04-02T08:00:00Z' })).expect(201);
  });

  const list = (query: Record<string, string>) =>
    request(app())
      .get('/v1/charging-sessions')
      .query({ vehicleId, ...query });

  it('lists all sessions of the vehicle, oldest first', async () => {
    const res = await list({}).expect(200);
    expect(res.body.sessions.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(res.body.sessions[2]).toMatchObject({ vehicleId, endedAt: null });
  });

  it('lists the sessions overlapping [from, to], both ends included', async () => {
    const edges = await list({ from: '2026-04-01T10:00:00Z', to: '2026-04-02T08:00:00Z' }).expect(200);
    expect(edges.body.sessions.map((s: { id: string }) => s.id)).toEqual([ids[1]]);
    const ongoing = await list({ from: '2026-05-01T00:00:00Z' }).expect(200);
    expect(ongoing.body.sessions.map((s: { id: string }) => s.id)).toEqual([ids[2]]);
    const before = await list({ to: '2026-04-01T07:59:59Z' }).expect(200);
    expect(before.body.sessions).toEqual([]);
  });

  it('lists a meter’s sessions, of every vehicle it fed, and a vehicle’s sessions on one meter', async () => {
    const meterId = uniqueId('MTR');
    const [first, second] = [uniqueId('VEH'), uniqueId('VEH')];
    const onMeter = [
      await started(
        chargingSession({
          vehicleId: first,
          meterId,
          startedAt: '2026-04-05T08:00:00Z',
          endedAt: '2026-04-05T09:00:00Z',
        }),
      ),
      await started(
        chargingSession({
          vehicleId: second,
          meterId,
          startedAt: '2026-04-05T09:00:00Z',
          endedAt: '2026-04-05T10:00:00Z',
        }),
      ),
      await started(
        chargingSession({
          vehicleId: first,
          meterId,
          startedAt: '2026-04-06T08:00:00Z',
          endedAt: '2026-04-06T09:00:00Z',
        }),
      ),
    ];
    // The same vehicle elsewhere, which neither meter list holds.
    await started(
      chargingSession({ vehicleId: first, startedAt: '2026-04-07T08:00:00Z', endedAt: '2026-04-07T09:00:00Z' }),
    );
    const ids = async (query: Record<string, string>) =>
      (await request(app()).get('/v1/charging-sessions').query(query).expect(200)).body.sessions.map(
        (s: { id: string }) => s.id,
      );
    expect(await ids({ meterId })).toEqual(onMeter.map((s) => s.id));
    expect(await ids({ meterId, vehicleId: first })).toEqual([onMeter[0].id, onMeter[2].id]);
    expect(await ids({ meterId, from: '2026-04-05T09:30:00Z', to: '2026-04-05T23:00:00Z' })).toEqual([onMeter[1].id]);
  });

  it.each([
    ['neither a vehicleId nor a meterId', { vehicleId: undefined }, 'vehicleId'],
    ['a malformed meterId', { meterId: 'M 1' }, 'meterId'],
    ['a from without a zone', { from: '2026-04-01T00:00:00' }, 'from'],
    ['a to before from', { from: '2026-04-02T00:00:00Z', to: '2026-04-01T00:00:00Z' }, 'to'],
    ['an unknown parameter', { limit: '10' }, 'limit'],
  ])('answers 400 for %s', async (_label, query, path) => {
    const res = await request(app())
      .get('/v1/charging-sessions')
      .query(JSON.parse(JSON.stringify({ vehicleId, ...query })))
      .expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });
});
