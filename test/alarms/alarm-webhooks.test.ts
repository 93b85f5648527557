import request from 'supertest';
import { charge } from '../analytics/depot';
import { uniqueId } from '../support/factories';
import type { TestApp } from '../support/test-app';
import { addEndpoint, deliveringApps } from '../webhooks/harness';
import { Receiver, until, verify } from '../webhooks/receiver';

// From readings to a signed request at a real receiver: the alarm check writes each change with its
// deliveries, and the deliverer (running as the server runs it) sends them.

const openApp = deliveringApps();
let t: TestApp;
let receiver: Receiver;

beforeAll(async () => {
  // Devices that went quiet days ago are not silent here, so the only alarms are the ones each test causes.
  t = await openApp({ ALARM_SILENT_AFTER: '100 hours' });
  receiver = await Receiver.start();
});
afterAll(() => receiver.stop());

const DAY = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);

interface Event {
  type: string;
  timestamp: string;
  data: { id: string; type: string; state: string; subject: { kind: string; id: string } };
}

const about = (id: string) => receiver.received.filter((r) => (JSON.parse(r.body) as Event).data.subject.id === id);

describe('alarm changes reach webhooks', () => {
  it('two faulty sessions raise one alarm and one delivery, signed; acknowledging and clearing send one each', async () => {
    const { secret } = await addEndpoint(t, receiver.url);
    const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
    await charge(
      t.app,
      DAY,
      [1, 3].map((hour) => ({ vehicleId, meterId, hour, efficiency: 0.78 })),
    );
    await t.services.rollups.seal();

    await t.services.alarmCheck.check();
    await t.services.alarmCheck.check();
    await until('the raise is delivered', () => about(vehicleId).length === 1);

    const [raised] = about(vehicleId);
    const event = verify(raised, secret) as Event;
    expect(event).toMatchObject({
      type: 'alarm.raised',
      data: { type: 'low-efficiency', state: 'active', subject: { kind: 'vehicle', id: vehicleId } },
    });
    const { body: alarms } = await request(t.app).get('/v1/alarms').query({ deviceId: vehicleId }).expect(200);
    expect(alarms.alarms).toEqual([expect.objectContaining({ id: event.data.id })]);

    await request(t.app).post(`/v1/alarms/${event.data.id}/acknowledge`).send({ note: 'on it' }).expect(200);
    await charge(
      t.app,
      DAY,
      [5, 7].map((hour) => ({ vehicleId, meterId, hour, efficiency: 0.93 })),
    );
    await t.services.rollups.seal();
    await t.services.alarmCheck.check();
    await until('three changes are delivered', () => about(vehicleId).length === 3);

    const events = about(vehicleId).map((request) => verify(request, secret) as Event);
    expect(events.map((e) => [e.type, e.data.id, e.data.state])).toEqual([
      ['alarm.raised', event.data.id, 'active'],
      ['alarm.acknowledged', event.data.id, 'acknowledged'],
      ['alarm.cleared', event.data.id, 'cleared'],
    ]);
    // Each change is its own message: a receiver deduplicating on webhook-id keeps all three.
    expect(new Set(about(vehicleId).map((r) => r.headers['webhook-id'])).size).toBe(3);
    // Nothing else was sent for it, however often the check ran.
    await t.services.alarmCheck.check();
    const [{ deliveries }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS deliveries FROM webhook_delivery WHERE payload::jsonb #>> '{data,subject,id}' = $1`,
      [vehicleId],
    );
    expect(deliveries).toBe(3);
  });

  it('an endpoint gets only the changes it asked for', async () => {
    const clearsOnly = await Receiver.start();
    try {
      await addEndpoint(t, clearsOnly.url, { eventTypes: ['alarm.cleared'] });
      const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
      await charge(
        t.app,
        DAY,
        [9, 11].map((hour) => ({ vehicleId, meterId, hour, efficiency: 0.7 })),
      );
      await t.services.rollups.seal();
      await t.services.alarmCheck.check();
      await until('the raise reaches the endpoint that wants everything', () => about(vehicleId).length === 1);
      expect(clearsOnly.received).toEqual([]);
    } finally {
      await clearsOnly.stop();
    }
  });

  it('an endpoint failing for a day raises its own alarm, cleared once a delivery succeeds', async () => {
    const failing = await Receiver.start();
    try {
      failing.usualReply = { status: 503 };
      // A receiver's token in its URL stays between the service and that receiver.
      const { id } = await addEndpoint(t, `${failing.url}?token=capability-secret`, {
        description: 'night shift pager',
      });
      const [vehicleId, meterId] = [uniqueId('VEH'), uniqueId('MTR')];
      await charge(
        t.app,
        DAY,
        [13, 15].map((hour) => ({ vehicleId, meterId, hour, efficiency: 0.7 })),
      );
      await t.services.rollups.seal();
      await t.services.alarmCheck.check();
      await until('the endpoint has failed', async () => {
        const { body } = await request(t.app).get(`/v1/webhooks/${id}`).expect(200);
        return body.failingSince !== null;
      });
      // A day passes with every attempt failing.
      await t.db.dataSource.query(
        `UPDATE webhook_endpoint SET failing_since = now() - interval '25 hours' WHERE id = $1`,
        [id],
      );

      await t.services.alarmCheck.check();
      const alarmsOf = async () =>
        (await request(t.app).get('/v1/alarms').query({ deviceId: id, type: 'webhook-failing' }).expect(200)).body
          .alarms as Array<{ state: string; subject: unknown; summary: string }>;
      const [alarm] = await alarmsOf();
      expect(alarm).toMatchObject({ state: 'active', subject: { kind: 'webhook', id } });
      const origin = new URL(failing.url).origin;
      expect(alarm.summary).toContain(`"night shift pager" (${origin})`);
      expect(JSON.stringify(alarm)).not.toContain('capability-secret');

      failing.usualReply = { status: 204 };
      await until('a retry succeeds', async () => {
        const { body } = await request(t.app).get(`/v1/webhooks/${id}`).expect(200);
        return body.failingSince === null;
      });
      await t.services.alarmCheck.check();
      expect(await alarmsOf()).toEqual([expect.objectContaining({ state: 'cleared' })]);
    } finally {
      await failing.stop();
    }
  });
});
