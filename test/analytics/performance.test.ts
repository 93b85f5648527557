import request from 'supertest';
import { chargingSession, uniqueId } from '../support/factories';
import { ac, at, dc, performanceApp } from './performance-app';

const { app, ingest, openSession, performance } = performanceApp();

describe('GET /v1/analytics/performance/:vehicleId over (from, to]', () => {
  const vehicleId = uniqueId('VEH');
  const meterId = uniqueId('MTR');
  const window = { from: at(-120), to: at(0) };

  beforeAll(async () => {
    await ingest([
      dc(vehicleId, -180, 5, 90), // before the window
      dc(vehicleId, -120, 0.6, 90), // exactly at `from`: its interval ended as the window began
      dc(vehicleId, -90, 0.7, 22), // exactly at the session start: the interval before it, outside the session
      dc(vehicleId, -60, 1.1, 21),
      dc(vehicleId, 0, 2.2, 24), // exactly at `to`
      dc(vehicleId, 1, 7, 90), // after the window
      ac(meterId, -100, 50), // in the window, before the session started
      ac(meterId, -90, 1.5), // exactly at the session start
      ac(meterId, -30, 2.5),
      ac(meterId, 0, 1.5), // exactly at `to`; the session is still running
      ac(meterId, 30, 9), // after the window
      ac(uniqueId('MTR'), -30, 40), // a meter the vehicle never used
    ]);
    // Arrives after newer readings: history keeps it, and so does the window.
    await ingest([dc(vehicleId, -100, 0.4, 19)]);
    // A device retry with other values: the first copy counts, once.
    await request(app())
      .post('/v1/ingestion/vehicle')
      .send(dc(vehicleId, -60, 99, 99))
      .expect(200);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-90) }));
  });

  it('compares the DC and AC of the session intervals, and reports the DC outside them apart', async () => {
    const res = await performance(vehicleId, window).expect(200);
    expect(res.body).toEqual({
      vehicleId,
      periodStart: window.from,
      periodEnd: window.to,
      totalKwhConsumedAc: 4, // 2.5 + 1.5: the session's meter after the session start
      totalKwhDeliveredDc: 3.3, // 1.1 + 2.2 inside the session, exactly: not 3.3000000000000003
      kwhDeliveredDcOutsideSessions: 1.1, // 0.4 + 0.7, in the window before the session
      efficiencyRatio: 0.825, // 3.3 / 4
      averageBatteryTemp: 21.5, // (19 + 22 + 21 + 24) / 4, every reading in the window
      recordCount: 4,
      meterIds: [meterId],
      lowEfficiency: true,
      coverageAc: 1,
      coverageDc: 1,
      dataQuality: [],
    });
  });

  it('with meterId takes that meter and the vehicle DC over the whole window instead of the sessions', async () => {
    const res = await performance(vehicleId, { ...window, meterId }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 55.5, // 50 + 1.5 + 2.5 + 1.5
      totalKwhDeliveredDc: 4.4, // 0.4 + 0.7 + 1.1 + 2.2
      kwhDeliveredDcOutsideSessions: 0,
      efficiencyRatio: 0.079, // 4.4 / 55.5 = 0.07927...
      recordCount: 4,
      meterIds: [meterId],
      lowEfficiency: true,
    });
  });

  it('a millisecond earlier at both ends takes the reading at `from` in and leaves the one at `to` out', async () => {
    const res = await performance(vehicleId, {
      from: new Date(Date.parse(at(-120)) - 1).toISOString(),
      to: new Date(Date.parse(at(0)) - 1).toISOString(),
    }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 2.5,
      totalKwhDeliveredDc: 1.1,
      kwhDeliveredDcOutsideSessions: 1.7, // 0.6 + 0.4 + 0.7
      recordCount: 4,
    });
  });
});

describe('session attribution', () => {
  it('counts the readings of both devices inside the session: its start excluded, its end included', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([
      dc(vehicleId, -120, 5), // at the session start: the interval before the vehicle was plugged in
      dc(vehicleId, -100, 1.6),
      dc(vehicleId, -60, 0.2), // at the session end: the last interval of the session
      dc(vehicleId, -59, 3), // after
      ac(meterId, -121, 10), // before the session
      ac(meterId, -120, 10), // at the session start
      ac(meterId, -61, 1), // inside
      ac(meterId, -60, 1), // at the session end
      ac(meterId, -59, 10), // after: the next session's
    ]);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-120), endedAt: at(-60) }));
    const res = await performance(vehicleId, { from: at(-180), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 2,
      totalKwhDeliveredDc: 1.8,
      kwhDeliveredDcOutsideSessions: 8,
      efficiencyRatio: 0.9,
      recordCount: 4,
      lowEfficiency: false,
    });
  });

  it('clips a session to the window and adds up the meters of several sessions', async () => {
    const vehicleId = uniqueId('VEH');
    const [early, late] = [`${uniqueId('MTR')}-a`, `${uniqueId('MTR')}-b`];
    await ingest([
      dc(vehicleId, -200, 50), // inside the early session but before the window
      dc(vehicleId, -150, 1),
      dc(vehicleId, -75, 9), // between the sessions
      dc(vehicleId, -30, 2),
      ac(early, -200, 100), // inside the session but before the window
      ac(early, -150, 2),
      ac(late, -20, 2),
      ac(late, 5, 100), // inside the ongoing session but after the window
    ]);
    await openSession(chargingSession({ vehicleId, meterId: early, startedAt: at(-300), endedAt: at(-100) }));
    await openSession(chargingSession({ vehicleId, meterId: late, startedAt: at(-50) }));
    const res = await performance(vehicleId, { from: at(-180), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 4,
      totalKwhDeliveredDc: 3,
      kwhDeliveredDcOutsideSessions: 9,
      efficiencyRatio: 0.75,
      meterIds: [early, late],
    });
  });

  it('without sessions or meterId, all DC is outside sessions, AC is 0 and the ratio null, flagged no-session', async () => {
    const vehicleId = uniqueId('VEH');
    await ingest([dc(vehicleId, -10, 2)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      totalKwhDeliveredDc: 0,
      kwhDeliveredDcOutsideSessions: 2,
      efficiencyRatio: null,
      meterIds: [],
      lowEfficiency: false,
      coverageAc: null,
      coverageDc: null,
      dataQuality: ['no-session'],
    });
  });
});

describe('figures that cannot be physical', () => {
  it('flags a ratio above 1 as dc-exceeds-ac rather than as efficient, and never as low', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([dc(vehicleId, -10, 2.2), ac(meterId, -10, 2)]);
    await openSession(chargingSession({ vehicleId, meterId, startedAt: at(-30), endedAt: at(0) }));
    const res = await performance(vehicleId, { from: at(-60), to: at(0) }).expect(200);
    expect(res.body).toMatchObject({ efficiencyRatio: 1.1, lowEfficiency: false, dataQuality: ['dc-exceeds-ac'] });
  });

  it('flags DC delivered while the attributed meter counted nothing', async () => {
    const vehicleId = uniqueId('VEH');
    await ingest([dc(vehicleId, -10, 1)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId: uniqueId('MTR') }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      totalKwhDeliveredDc: 1,
      efficiencyRatio: null,
      lowEfficiency: false,
      dataQuality: ['dc-exceeds-ac'],
    });
  });

  it('a ratio of exactly 1 is plausible', async () => {
    const vehicleId = uniqueId('VEH');
    const meterId = uniqueId('MTR');
    await ingest([dc(vehicleId, -10, 2), ac(meterId, -10, 2)]);
    const res = await performance(vehicleId, { from: at(-60), to: at(0), meterId }).expect(200);
    expect(res.body).toMatchObject({ efficiencyRatio: 1, lowEfficiency: false, dataQuality: [] });
  });
});

describe('meterId on a charger that fed other vehicles in the window', () => {
  const meterId = uniqueId('MTR');
  const [first, second, stranger] = [uniqueId('VEH'), uniqueId('VEH'), uniqueId('VEH')];
  const window = { from: at(-120), to: at(0) };

  beforeAll(async () => {
    await ingest([
      ac(meterId, -90, 10), // the first van's session
      ac(meterId, -60, 10), // at its end: still its own
      ac(meterId, -30, 10), // the second van's
      ac(meterId, 0, 10),
      dc(first, -90, 9),
      dc(first, -60, 9),
      dc(second, -30, 7),
      dc(second, 0, 7),
      dc(stranger, -30, 5),
    ]);
    await openSession(chargingSession({ vehicleId: first, meterId, startedAt: at(-120), endedAt: at(-60) }));
    await openSession(chargingSession({ vehicleId: second, meterId, startedAt: at(-60), endedAt: at(0) }));
  });

  it("counts only the vehicle's own sessions on it, not the other vehicle's AC", async () => {
    const res = await performance(first, { ...window, meterId }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 20, // not 40: half of it fed the second van
      totalKwhDeliveredDc: 18,
      efficiencyRatio: 0.9,
      meterIds: [meterId],
      lowEfficiency: false,
      dataQuality: [],
    });
    expect((await performance(second, { ...window, meterId }).expect(200)).body).toMatchObject({
      efficiencyRatio: 0.7,
      lowEfficiency: true,
    });
  });

  it('says shared-meter and raises no flag for a vehicle with no session on it', async () => {
    const res = await performance(stranger, { ...window, meterId }).expect(200);
    expect(res.body).toMatchObject({
      totalKwhConsumedAc: 0,
      efficiencyRatio: null,
      meterIds: [],
      lowEfficiency: false,
      dataQuality: ['shared-meter'],
    });
  });
});
