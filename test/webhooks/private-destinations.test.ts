import pino from 'pino';
import request from 'supertest';
import { WebhookDeliveryRepository } from '../../src/webhooks/webhook-delivery.repository';
import { WebhookDeliverer } from '../../src/webhooks/webhook-delivery.service';
import { newWebhookSecret } from '../../src/webhooks/webhook-secrets';
import { testAppsClosedAfterAll } from '../support/test-app';
import { deliveringApps, enqueue } from './harness';
import { Receiver, until } from './receiver';

/*
 * Without WEBHOOK_ALLOW_PRIVATE no delivery reaches loopback, private, link-local or metadata addresses:
 * a URL naming one is refused when added, and the address each connection would go to is checked,
 * whatever name led there.
 */

const delivering = deliveringApps();
const plain = testAppsClosedAfterAll();
let receiver: Receiver;
beforeAll(async () => {
  receiver = await Receiver.start();
});
afterAll(() => receiver.stop());

const port = () => new URL(receiver.url).port;
const PRIVATE_URLS = () => [
  `http://127.0.0.1:${port()}/hooks`,
  `http://127.9.9.9:${port()}/hooks`,
  `http://localhost:${port()}/hooks`,
  `http://hooks.localhost:${port()}/hooks`,
  'http://169.254.169.254/latest/meta-data/',
  `http://[::1]:${port()}/hooks`,
  `http://[::ffff:127.0.0.1]:${port()}/hooks`,
  `http://10.1.2.3:${port()}/hooks`,
  'https://192.168.0.10/hooks',
  'https://172.20.0.1/hooks',
  'http://0.0.0.0/hooks',
  `http://0x7f.1:${port()}/hooks`,
  `http://2130706433:${port()}/hooks`,
  'http://[fe80::1]/hooks',
  // IPv4-compatible, 6to4 and SIIT forms of 127.0.0.1, and a deprecated site-local address.
  `http://[::7f00:1]:${port()}/hooks`,
  'http://[2002:7f00:1::]/hooks',
  'http://[::ffff:0:7f00:1]/hooks',
  'http://[fec0::1]/hooks',
];

describe('adding an endpoint without WEBHOOK_ALLOW_PRIVATE', () => {
  it('refuses every URL naming a loopback, private or link-local address, with a 400 naming url, writing nothing', async () => {
    const t = await plain();
    const { id } = (await request(t.app).post('/v1/webhooks').send({ url: 'https://hooks.example.com/' }).expect(201))
      .body;
    for (const url of PRIVATE_URLS()) {
      const created = await request(t.app).post('/v1/webhooks').send({ url });
      const changed = await request(t.app).patch(`/v1/webhooks/${id}`).send({ url });
      for (const res of [created, changed]) {
        expect({ url, status: res.status, errors: res.body.errors }).toEqual({
          url,
          status: 400,
          errors: [{ path: 'url', message: expect.stringMatching(/loopback, private or link-local/) }],
        });
      }
    }
    const rows = await t.db.dataSource.query(`SELECT url FROM webhook_endpoint`);
    expect(rows).toEqual([{ url: 'https://hooks.example.com/' }]);
  });

  it('accepts public addresses written out, IPv4 and IPv6', async () => {
    const t = await plain();
    const urls = ['https://1.1.1.1/hook', 'https://93.184.216.34/', 'https://[2606:4700:4700::1111]/hook'];
    for (const url of urls) {
      const res = await request(t.app).post('/v1/webhooks').send({ url });
      expect({ url, status: res.status }).toEqual({ url, status: 201 });
    }
  });

  it('accepts them all with WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const t = await plain({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    for (const url of PRIVATE_URLS()) await request(t.app).post('/v1/webhooks').send({ url }).expect(201);
  });
});

describe('delivering without WEBHOOK_ALLOW_PRIVATE', () => {
  it('refuses to connect to a private address, whether named or resolved, and nothing reaches the receiver', async () => {
    const t = await delivering({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    // As if added while private addresses were allowed, or under a name that then resolved elsewhere.
    const urls = [
      `http://127.0.0.1:${port()}/hooks`,
      `http://localhost:${port()}/hooks`,
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${port()}/hooks`,
      `http://10.0.0.1:${port()}/hooks`,
      `http://[::7f00:1]:${port()}/hooks`,
    ];
    for (const url of urls) {
      await t.db.dataSource.query(
        `INSERT INTO webhook_endpoint (url, event_types, secret) VALUES ($1, ARRAY['alarm.raised'], $2)`,
        [url, newWebhookSecret()],
      );
    }
    const { messageId } = await enqueue(t);
    const deliveries = () =>
      t.db.dataSource.query(
        `SELECT e.url, d.state, d.attempts, d.last_status, d.last_error
         FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id WHERE d.message_id = $1`,
        [messageId],
      );
    await until('every endpoint was tried twice', async () =>
      (await deliveries()).every((row: { attempts: number }) => row.attempts >= 2),
    );
    for (const row of await deliveries()) {
      expect(row).toMatchObject({ state: 'pending', last_status: null, last_error: expect.stringMatching(/^Refused/) });
    }
    expect(receiver.received).toEqual([]);
    const refused = await t.services.metrics.registry.getSingleMetric('fleet_webhook_attempts_total')?.get();
    expect(refused?.values.find((value) => value.labels.outcome === 'refused')?.value).toBeGreaterThanOrEqual(10);

    // The receiver is there: a deliverer that allows private addresses reaches it on the same database.
    await t.services.webhookDelivery.stop();
    const allowing = new WebhookDeliverer(
      new WebhookDeliveryRepository(t.services.pools.maintenance, t.config.db.lockTimeoutMs, 72),
      { ...t.config.webhooks, allowPrivate: true },
      t.services.metrics,
      pino({ level: 'silent' }),
    );
    await t.db.dataSource.query(`UPDATE webhook_delivery SET next_attempt_at = now()`);
    allowing.start();
    try {
      await until('the loopback endpoints are delivered', () => receiver.withId(messageId).length >= 2);
    } finally {
      await allowing.stop();
    }
  });
});
