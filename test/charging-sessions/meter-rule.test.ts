import request from 'supertest';
import { chargingSession, uniqueId } from '../support/factories';
import { sessionsApp } from './sessions-app';

const { app, start, started, db } = sessionsApp();

describe('one meter feeds one vehicle at a time', () => {
  it('refuses a session of another vehicle overlapping on the same meter with 409 naming the meter and the session', async () => {
    const meterId = uniqueId('MTR');
    const first = await started(
      chargingSession({ meterId, startedAt: '2026-03-07T08:00:00Z', endedAt: '2026-03-07T10:00:00Z' }),
    );
    const res = await start(chargingSession({ meterId, startedAt: '2026-03-07T09:00:00Z' })).expect(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 409, type: '/problems/conflict', conflictingSessionIds: [first.id] });
    expect(res.body.detail).toBe(
      `The session overlaps another: meter ${meterId} already feeds another vehicle in that period, and a meter feeds one at a time.`,
    );
  });

  it('accepts the next vehicle on the meter from exactly when the previous one left', async () => {
    const meterId = uniqueId('MTR');
    await start(
      chargingSession({ meterId, startedAt: '2026-03-07T08:00:00Z', endedAt: '2026-03-07T10:00:00Z' }),
    ).expect(201);
    await start(chargingSession({ meterId, startedAt: '2026-03-07T10:00:00Z' })).expect(201);
  });

  it('when both the vehicle and the meter are busy, says so and names the sessions of both', async () => {
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    const own = await started(
      chargingSession({ vehicleId, startedAt: '2026-03-08T08:00:00Z', endedAt: '2026-03-08T09:00:00Z' }),
    );
    const other = await started(
      chargingSession({ meterId, startedAt: '2026-03-08T10:00:00Z', endedAt: '2026-03-08T11:00:00Z' }),
    );
    const res = await start(
      chargingSession({ vehicleId, meterId, startedAt: '2026-03-08T08:30:00Z', endedAt: '2026-03-08T10:30:00Z' }),
    ).expect(409);
    expect(res.body.conflictingSessionIds).toEqual([own.id, other.id]);
    expect(res.body.detail).toBe(
      `The session overlaps another: vehicle ${vehicleId} already has a charging session in that period; ` +
        `meter ${meterId} already feeds another vehicle in that period, and a meter feeds one at a time.`,
    );
  });

  it('refuses an end that would run into the next vehicle on the meter', async () => {
    const meterId = uniqueId('MTR');
    const first = await started(chargingSession({ meterId, startedAt: '2026-03-09T08:00:00Z' }));
    // The first vehicle is still plugged in as far as the service knows: the next one cannot start.
    await start(chargingSession({ meterId, startedAt: '2026-03-09T12:00:00Z' })).expect(409);
    await request(app())
      .patch(`/v1/charging-sessions/${first.id}`)
      .send({ endedAt: '2026-03-09T11:00:00Z' })
      .expect(200);
    const next = await started(chargingSession({ meterId, startedAt: '2026-03-09T12:00:00Z' }));
    const res = await request(app())
      .patch(`/v1/charging-sessions/${first.id}`)
      .send({ endedAt: '2026-03-09T12:00:01Z' })
      .expect(409);
    expect(res.body).toMatchObject({
      conflictingSessionIds: [next.id],
      detail: expect.stringContaining(`meter ${meterId}`),
    });
  });

  it('of concurrent requests of different vehicles for one meter, exactly one is stored', async () => {
    const meterId = uniqueId('MTR');
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => start(chargingSession({ meterId, startedAt: `2026-03-10T08:0${i}:00Z` }))),
    );
    expect(attempts.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const [{ n }] = await db().query('SELECT count(*)::int AS n FROM charging_session WHERE meter_id = $1', [meterId]);
    expect(n).toBe(1);
  });

  it('the database itself refuses an overlapping row on the meter written past the service', async () => {
    const meterId = uniqueId('MTR');
    await start(
      chargingSession({ meterId, startedAt: '2026-03-11T08:00:00Z', endedAt: '2026-03-11T09:00:00Z' }),
    ).expect(201);
    await expect(
      db().query(
        `INSERT INTO charging_session (vehicle_id, meter_id, started_at, ended_at) VALUES ($1, $2, $3, NULL)`,
        [uniqueId('VEH'), meterId, '2026-03-11T08:30:00Z'],
      ),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'charging_session_meter_no_overlap' });
  });
});
