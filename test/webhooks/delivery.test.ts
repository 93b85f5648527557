import request from 'supertest';
import type { TestApp } from '../support/test-app';
import { addEndpoint, deliveringApps, deliveryOf, enqueue } from './harness';
import { Receiver, until, verify } from './receiver';

/*
 * Deliveries from the outbox to a real receiver on loopback, signatures checked with the reference
 * standardwebhooks package, as a receiver would check them.
 */

const app = deliveringApps();
const receivers: Receiver[] = [];
const receiver = async () => {
  const started = await Receiver.start();
  receivers.push(started);
  return started;
};
afterAll(() => Promise.all(receivers.map((r) => r.stop())));

const attempts = (t: TestApp, deliveryId: string) =>
  t.db.dataSource.query(
    `SELECT attempt, status, error, duration_ms FROM webhook_attempt WHERE delivery_id = $1 ORDER BY attempt`,
    [deliveryId],
  );
const endpointRow = async (t: TestApp, id: string) =>
  (await t.db.dataSource.query(`SELECT * FROM webhook_endpoint WHERE id = $1`, [id]))[0];
const settled = (t: TestApp, messageId: string, endpointId: string, state: 'delivered' | 'failed' = 'delivered') =>
  until(`${messageId} is ${state}`, async () => (await deliveryOf(t, messageId, endpointId))?.state === state);
/** Delivered after the messages before it: polls enough have passed for anything owed to them to be sent. */
const barrier = async (t: TestApp, endpointId: string) => {
  const { messageId } = await enqueue(t);
  await settled(t, messageId, endpointId);
};

describe('a delivery', () => {
  it('is POSTed once, with Standard Webhooks headers, the body exactly as stored and a signature that verifies', async () => {
    const t = await app();
    const r = await receiver();
    const endpoint = await addEndpoint(t, r.url);
    const { messageId, body } = await enqueue(t, 'alarm.raised', { id: 'a-1', summary: 'Zoë’s van at 0.78 ⚡' });
    await settled(t, messageId, endpoint.id);
    await barrier(t, endpoint.id);

    const [got, ...more] = r.withId(messageId);
    expect(more).toEqual([]);
    expect(got.body).toBe(body);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(verify(got, endpoint.secret)).toEqual(JSON.parse(body));
    expect(() => verify({ ...got, body: body.replace('0.78', '0.87') }, endpoint.secret)).toThrow(/signature/);

    const delivery = await deliveryOf(t, messageId, endpoint.id);
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 1, last_status: 200, leased_until: null });
    expect(await attempts(t, delivery.id)).toMatchObject([{ attempt: 1, status: 200, error: null }]);
  });

  it('after a rotation carries a signature by each secret, so either verifies it, until the old one expires', async () => {
    const t = await app();
    const r = await receiver();
    const endpoint = await addEndpoint(t, r.url);
    const rotated = await request(t.app).post(`/v1/webhooks/${endpoint.id}/rotate-secret`).expect(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);

    const during = await enqueue(t);
    await settled(t, during.messageId, endpoint.id);
    const [sent] = r.withId(during.messageId);
    expect(String(sent.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(sent, endpoint.secret)).toEqual(JSON.parse(during.body));
    expect(verify(sent, rotated.body.secret)).toEqual(JSON.parse(during.body));

    await t.db.dataSource.query(`UPDATE webhook_endpoint SET previous_secret_until = now() - interval '1 second'`);
    const after = await enqueue(t);
    await settled(t, after.messageId, endpoint.id);
    const [later] = r.withId(after.messageId);
    expect(verify(later, rotated.body.secret)).toEqual(JSON.parse(after.body));
    expect(() => verify(later, endpoint.secret)).toThrow(/signature/);
  });

  it('answered 500 is retried with the same webhook-id until a 2xx, and the API lists both attempts', async () => {
    const t = await app();
    const r = await receiver();
    r.answer({ status: 500, body: 'database\u0000 down\n' });
    const endpoint = await addEndpoint(t, r.url);
    const { messageId, body } = await enqueue(t);
    await settled(t, messageId, endpoint.id);

    const sent = r.withId(messageId);
    expect(sent).toHaveLength(2);
    for (const each of sent) expect(verify(each, endpoint.secret)).toEqual(JSON.parse(body));
    const page = await request(t.app).get(`/v1/webhooks/${endpoint.id}/deliveries`).expect(200);
    expect(page.body).toMatchObject({
      deliveries: [
        {
          messageId,
          state: 'delivered',
          payload: body,
          lastStatus: 200,
          attempts: [
            { attempt: 1, status: 500, error: '500 Internal Server Error: database down' },
            { attempt: 2, status: 200, error: null },
          ],
        },
      ],
      nextCursor: null,
    });
    expect(page.body.deliveries[0].attempts[0].durationMs).toEqual(expect.any(Number));
    expect((await endpointRow(t, endpoint.id)).failing_since).toBeNull();
  });

  it.each([
    ['seconds', () => '7200'],
    ['an HTTP date', () => new Date(Date.now() + 7_200_000).toUTCString()],
  ])('answered 503 with Retry-After in %s waits as long as asked, not the shorter backoff', async (_form, header) => {
    const t = await app();
    const r = await receiver();
    r.answer({ status: 503, headers: { 'Retry-After': header() } });
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    await until(
      'the first attempt is recorded',
      async () => (await deliveryOf(t, messageId, endpoint.id)).last_status === 503,
    );
    const [{ wait }] = await t.db.dataSource.query(
      `SELECT extract(epoch FROM d.next_attempt_at - a.at) AS wait
       FROM webhook_delivery d JOIN webhook_attempt a ON a.delivery_id = d.id WHERE d.message_id = $1`,
      [messageId],
    );
    // An HTTP date has whole seconds; the base backoff here is 20 ms.
    expect(Number(wait)).toBeGreaterThan(7_190);
    await barrier(t, endpoint.id);
    expect(r.withId(messageId)).toHaveLength(1);
    expect((await deliveryOf(t, messageId, endpoint.id)).state).toBe('pending');

    // Once that time comes, it is sent again.
    await t.db.dataSource.query(`UPDATE webhook_delivery SET next_attempt_at = now() WHERE message_id = $1`, [
      messageId,
    ]);
    await settled(t, messageId, endpoint.id);
    expect(r.withId(messageId)).toHaveLength(2);
  });

  it('asked by Retry-After to wait past WEBHOOK_RETRY_HOURS is tried once more as the window ends, then failed', async () => {
    const t = await app({ WEBHOOK_RETRY_HOURS: '1' });
    const r = await receiver();
    r.usualReply = { status: 429, headers: { 'Retry-After': '9999999999' } };
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    // Claiming counts the attempt before it is made; its outcome is recorded once the receiver answered.
    await until(
      'the first attempt is recorded',
      async () => (await deliveryOf(t, messageId, endpoint.id)).last_status === 429,
    );
    const [first] = await t.db.dataSource.query(
      `SELECT state, last_error, next_attempt_at = pending_since + interval '1 hour' AS "atWindowEnd"
       FROM webhook_delivery WHERE message_id = $1`,
      [messageId],
    );
    expect(first).toEqual({
      state: 'pending',
      last_error: expect.stringMatching(/^429 Too Many Requests; Retry-After asked to wait 9999999999 s, longer than/),
      atWindowEnd: true,
    });

    // The window's end comes: the last attempt is made, and its failure fails the delivery.
    await t.db.dataSource.query(
      `UPDATE webhook_delivery SET pending_since = now() - interval '1 hour', next_attempt_at = now() WHERE message_id = $1`,
      [messageId],
    );
    await settled(t, messageId, endpoint.id, 'failed');
    expect(await deliveryOf(t, messageId, endpoint.id)).toMatchObject({ attempts: 2, last_status: 429 });
    expect(r.withId(messageId)).toHaveLength(2);
  });

  it('is not redirected: a 3xx is a failed attempt, the place it points to gets nothing, and it is retried', async () => {
    const t = await app();
    const r = await receiver();
    const elsewhere = await receiver();
    r.answer({ status: 307, headers: { Location: elsewhere.url } });
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    await settled(t, messageId, endpoint.id);
    const delivery = await deliveryOf(t, messageId, endpoint.id);
    expect(await attempts(t, delivery.id)).toMatchObject([
      { attempt: 1, status: 307, error: '307 Temporary Redirect (redirects are not followed)' },
      { attempt: 2, status: 200 },
    ]);
    expect(elsewhere.received).toEqual([]);
  });

  it('that gets no complete answer within WEBHOOK_TIMEOUT_MS is a failed attempt, and is retried', async () => {
    const t = await app({ WEBHOOK_TIMEOUT_MS: '300' });
    const r = await receiver();
    r.answer('hold');
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    await settled(t, messageId, endpoint.id);
    const delivery = await deliveryOf(t, messageId, endpoint.id);
    expect(await attempts(t, delivery.id)).toMatchObject([
      { attempt: 1, status: null, error: 'No complete answer within 300 ms.' },
      { attempt: 2, status: 200, error: null },
    ]);
    expect(r.withId(messageId)).toHaveLength(2);
  });
});

describe('an endpoint', () => {
  it('down for a while gets every delivery once it is back, each once, and is marked failing meanwhile', async () => {
    const t = await app();
    const r = await receiver();
    const endpoint = await addEndpoint(t, r.url);
    await r.stop();
    const messages = await Promise.all([1, 2, 3, 4, 5].map(() => enqueue(t)));
    await until('every delivery failed twice', async () => {
      const rows = await t.db.dataSource.query(`SELECT min(attempts) AS least FROM webhook_delivery`);
      return rows[0].least >= 2;
    });
    expect((await endpointRow(t, endpoint.id)).failing_since).toBeInstanceOf(Date);
    const [{ error }] = await t.db.dataSource.query(`SELECT error FROM webhook_attempt LIMIT 1`);
    expect(error).toMatch(/ECONNREFUSED/);
    const oldestPending = async () =>
      (await t.services.metrics.registry.getSingleMetric('fleet_webhook_oldest_pending_seconds')?.get())?.values[0]
        ?.value ?? -1;
    await until('the oldest pending delivery shows its age', async () => (await oldestPending()) > 0);

    await r.restart();
    for (const { messageId } of messages) await settled(t, messageId, endpoint.id);
    await barrier(t, endpoint.id);
    for (const { messageId, body } of messages) {
      const sent = r.withId(messageId);
      expect(sent).toHaveLength(1);
      expect(verify(sent[0], endpoint.secret)).toEqual(JSON.parse(body));
    }
    expect((await endpointRow(t, endpoint.id)).failing_since).toBeNull();
    await until('nothing is pending any more', async () => (await oldestPending()) === 0);
    const counted = await t.services.metrics.registry.getSingleMetric('fleet_webhook_attempts_total')?.get();
    const count = (outcome: string) => counted?.values.find((value) => value.labels.outcome === outcome)?.value;
    expect(count('delivered')).toBe(6);
    expect(count('error')).toBeGreaterThanOrEqual(10);
  });

  it('answering 410 Gone is disabled: its pending deliveries fail and it is sent nothing more, until enabled and resent', async () => {
    const t = await app();
    const r = await receiver();
    const endpoint = await addEndpoint(t, r.url);
    // One delivery waiting for its retry when another is answered 410.
    r.answer({ status: 503, headers: { 'Retry-After': '3600' } });
    const waiting = await enqueue(t);
    await until(
      'the first attempt is recorded',
      async () => (await deliveryOf(t, waiting.messageId, endpoint.id)).last_status === 503,
    );
    r.answer({ status: 410 });
    const gone = await enqueue(t);
    await settled(t, gone.messageId, endpoint.id, 'failed');

    const view = (await request(t.app).get(`/v1/webhooks/${endpoint.id}`).expect(200)).body;
    expect(view).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410 Gone') });
    expect(await deliveryOf(t, waiting.messageId, endpoint.id)).toMatchObject({
      state: 'failed',
      last_error: expect.stringContaining('the endpoint was disabled'),
    });
    const later = await enqueue(t);
    expect(await deliveryOf(t, later.messageId, endpoint.id)).toBeUndefined();
    expect(r.received.map((got) => got.headers['webhook-id'])).toEqual([waiting.messageId, gone.messageId]);

    const enabled = await request(t.app).patch(`/v1/webhooks/${endpoint.id}`).send({ enabled: true }).expect(200);
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const waitingId = (await deliveryOf(t, waiting.messageId, endpoint.id)).id;
    const resent = await request(t.app).post(`/v1/webhooks/${endpoint.id}/deliveries/${waitingId}/resend`).expect(202);
    expect(resent.body).toMatchObject({ id: waitingId, messageId: waiting.messageId, state: 'pending' });
    await settled(t, waiting.messageId, endpoint.id);
    const again = r.withId(waiting.messageId);
    expect(again).toHaveLength(2);
    expect(verify(again[1], endpoint.secret)).toEqual(JSON.parse(waiting.body));
  });
});

describe('resending by hand', () => {
  it('sends a delivered delivery again with the same webhook-id, its retries and backoff counted afresh', async () => {
    const t = await app();
    const r = await receiver();
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    await settled(t, messageId, endpoint.id);
    const { id } = await deliveryOf(t, messageId, endpoint.id);
    // As if it had taken 30 attempts: a backoff counted from the first would be an hour now.
    await t.db.dataSource.query(
      `UPDATE webhook_delivery SET pending_since = now() - interval '100 hours', attempts = 30 WHERE id = $1`,
      [id],
    );

    r.answer({ status: 502 });
    await request(t.app).post(`/v1/webhooks/${endpoint.id}/deliveries/${id}/resend`).expect(202);
    await settled(t, messageId, endpoint.id);
    expect(r.withId(messageId)).toHaveLength(3);
    expect(await attempts(t, id)).toMatchObject([
      { attempt: 1, status: 200 },
      { attempt: 31, status: 502 },
      { attempt: 32, status: 200 },
    ]);
  });

  it('is refused while an attempt is in flight, and for a disabled endpoint, changing nothing', async () => {
    const t = await app();
    const r = await receiver();
    r.answer('hold');
    const endpoint = await addEndpoint(t, r.url);
    const { messageId } = await enqueue(t);
    await until('the receiver holds the attempt', () => r.withId(messageId).length === 1);
    const { id } = await deliveryOf(t, messageId, endpoint.id);
    const resend = () => request(t.app).post(`/v1/webhooks/${endpoint.id}/deliveries/${id}/resend`);
    const inFlight = await resend().expect(409);
    expect(inFlight.body.detail).toMatch(/being attempted right now/);

    await request(t.app).patch(`/v1/webhooks/${endpoint.id}`).send({ enabled: false }).expect(200);
    const before = await t.db.dataSource.query(`SELECT * FROM webhook_delivery`);
    const disabled = await resend().expect(409);
    expect(disabled.body.detail).toMatch(/is disabled/);
    expect(await t.db.dataSource.query(`SELECT * FROM webhook_delivery`)).toEqual(before);
  });
});
