import request, { type Response } from 'supertest';
import type { Method } from '../../src/contract/openapi.types';
import { validatorAt } from '../support/document-schemas';
import { createTestApp, type TestApp } from '../support/test-app';
import { enqueue } from './harness';

/*
 * Managing endpoints through the admin API: what is answered, what is stored, and every bad input
 * refused with a problem that names it, writing nothing. Nothing is delivered here (no deliverer runs).
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const create = (body: unknown) =>
  request(t.app)
    .post('/v1/webhooks')
    .send(body as object);
const stored = () =>
  t.db.dataSource.query(`
    SELECT (SELECT json_agg(e ORDER BY id) FROM webhook_endpoint e) AS endpoints,
           (SELECT json_agg(d ORDER BY id) FROM webhook_delivery d) AS deliveries`);

/** The answer is the one the OpenAPI document gives for the operation, status, media type and schema. */
function documented(res: Response, method: Method, path: string): Response {
  const content = res.status === 204 ? [] : ['content', res.type, 'schema'];
  const validate = validatorAt('paths', path, method, 'responses', String(res.status), ...content);
  if (content.length > 0) expect({ errors: validate(res.body) ? null : validate.errors }).toEqual({ errors: null });
  return res;
}

describe('an endpoint', () => {
  it('is created with every event type by default and a secret shown only in that answer', async () => {
    const res = documented(
      await create({ url: 'https://hooks.example.com/fleet' }).expect(201),
      'post',
      '/v1/webhooks',
    );
    expect(res.body).toEqual({
      id: expect.any(String),
      url: 'https://hooks.example.com/fleet',
      description: null,
      eventTypes: ['alarm.raised', 'alarm.acknowledged', 'alarm.cleared'],
      enabled: true,
      disabledReason: null,
      failingSince: null,
      previousSecretValidUntil: null,
      createdAt: expect.stringMatching(INSTANT),
      secret: expect.stringMatching(SECRET),
    });
    expect(Buffer.from(res.body.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(res.headers.location).toBe(`/v1/webhooks/${res.body.id}`);
    expect(res.headers['cache-control']).toBe('no-store');

    const { secret, ...shown } = res.body;
    const got = documented(await request(t.app).get(res.headers.location).expect(200), 'get', '/v1/webhooks/{id}');
    expect(got.body).toEqual(shown);
    const list = documented(await request(t.app).get('/v1/webhooks').expect(200), 'get', '/v1/webhooks');
    expect(list.body.webhooks).toContainEqual(shown);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const other = await create({ url: 'https://hooks.example.com/fleet' }).expect(201);
    expect(other.body.secret).not.toBe(secret);
  });

  it('keeps its URL as the service will call it, normalised, with the event types and description asked for', async () => {
    const res = await create({
      url: 'HTTPS://Hooks.Example.COM:443/a/../b?depot=3',
      eventTypes: ['alarm.cleared', 'alarm.raised'],
      description: 'On-call pager ⚡',
    }).expect(201);
    expect(res.body).toMatchObject({
      url: 'https://hooks.example.com/b?depot=3',
      eventTypes: ['alarm.cleared', 'alarm.raised'],
      description: 'On-call pager ⚡',
    });
  });

  it('changes only what a PATCH names; disabling says why, enabling clears it; null removes the description', async () => {
    const { id } = (await create({ url: 'http://hooks.example.com/a', description: 'first' }).expect(201)).body;
    const patch = (body: object) => request(t.app).patch(`/v1/webhooks/${id}`).send(body).expect(200);
    const changed = documented(
      await patch({ url: 'https://hooks.example.com/b', eventTypes: ['alarm.raised'] }),
      'patch',
      '/v1/webhooks/{id}',
    );
    expect(changed.body).toMatchObject({
      url: 'https://hooks.example.com/b',
      eventTypes: ['alarm.raised'],
      description: 'first',
    });
    expect((await patch({})).body).toEqual(changed.body);
    expect((await patch({ description: null })).body.description).toBeNull();
    await t.db.dataSource.query(`UPDATE webhook_endpoint SET failing_since = now() - interval '2 days' WHERE id = $1`, [
      id,
    ]);
    expect((await patch({ enabled: false })).body).toMatchObject({
      enabled: false,
      disabledReason: 'Disabled through the API.',
      failingSince: expect.stringMatching(INSTANT),
    });
    expect((await patch({ enabled: true })).body).toMatchObject({
      enabled: true,
      disabledReason: null,
      failingSince: null,
    });
  });

  it('disabled, has its pending deliveries failed and is written no new ones', async () => {
    const { id } = (await create({ url: 'http://hooks.example.com/c' }).expect(201)).body;
    const { messageId } = await enqueue(t);
    await request(t.app).patch(`/v1/webhooks/${id}`).send({ enabled: false }).expect(200);
    const [delivery] = await t.db.dataSource.query(
      `SELECT state, last_error FROM webhook_delivery WHERE endpoint_id = $1 AND message_id = $2`,
      [id, messageId],
    );
    expect(delivery).toEqual({
      state: 'failed',
      last_error: 'Not sent: the endpoint was disabled. Disabled through the API.',
    });
    const later = await enqueue(t);
    const [{ n }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_delivery WHERE endpoint_id = $1 AND message_id = $2`,
      [id, later.messageId],
    );
    expect(n).toBe(0);
  });

  it('rotates its secret: a new one, the old one signing beside it for 24 hours', async () => {
    const { id, secret } = (await create({ url: 'http://hooks.example.com/d' }).expect(201)).body;
    const before = Date.now();
    const res = documented(
      await request(t.app).post(`/v1/webhooks/${id}/rotate-secret`).expect(200),
      'post',
      '/v1/webhooks/{id}/rotate-secret',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.secret).toMatch(SECRET);
    expect(res.body.secret).not.toBe(secret);
    const until = Date.parse(res.body.previousSecretValidUntil);
    expect(until).toBeGreaterThanOrEqual(before + 24 * 3_600_000 - 5_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000 + 5_000);
    expect((await request(t.app).get(`/v1/webhooks/${id}`).expect(200)).body.previousSecretValidUntil).toBe(
      res.body.previousSecretValidUntil,
    );
    const [row] = await t.db.dataSource.query(`SELECT secret, previous_secret FROM webhook_endpoint WHERE id = $1`, [
      id,
    ]);
    expect(row).toEqual({ secret: res.body.secret, previous_secret: secret });
  });

  it('is removed with its deliveries and their attempts', async () => {
    const { id } = (await create({ url: 'http://hooks.example.com/e' }).expect(201)).body;
    await enqueue(t);
    documented(await request(t.app).delete(`/v1/webhooks/${id}`).expect(204), 'delete', '/v1/webhooks/{id}');
    await request(t.app).get(`/v1/webhooks/${id}`).expect(404);
    const [{ n }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_delivery WHERE endpoint_id = $1`,
      [id],
    );
    expect(n).toBe(0);
  });
});

describe('deliveries', () => {
  it('are listed newest first in cursor pages, narrowed by state', async () => {
    const { id } = (await create({ url: 'http://hooks.example.com/f' }).expect(201)).body;
    const messages: string[] = [];
    for (let i = 0; i < 5; i++) messages.push((await enqueue(t)).messageId);
    await t.db.dataSource.query(
      `UPDATE webhook_delivery SET state = 'failed' WHERE endpoint_id = $1 AND message_id = $2`,
      [id, messages[1]],
    );
    const page = (query: string) =>
      request(t.app)
        .get(`/v1/webhooks/${id}/deliveries${query}`)
        .expect(200)
        .then((res) => documented(res, 'get', '/v1/webhooks/{id}/deliveries').body);
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const body = await page(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.deliveries.length).toBeLessThanOrEqual(2);
      seen.push(...body.deliveries.map((delivery: { messageId: string }) => delivery.messageId));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual([...messages].reverse());
    expect((await page('?state=failed')).deliveries).toMatchObject([{ messageId: messages[1], state: 'failed' }]);
    expect((await page('?state=pending')).deliveries).toHaveLength(4);
  });

  it('refuse a cursor that is no delivery of this endpoint, an unknown one or another endpoint’s, with a 400 naming it', async () => {
    const mine = (await create({ url: 'http://hooks.example.com/mine' }).expect(201)).body.id;
    const other = (await create({ url: 'http://hooks.example.com/other' }).expect(201)).body.id;
    const { messageId } = await enqueue(t);
    const [{ id: othersDelivery }] = await t.db.dataSource.query(
      `SELECT id FROM webhook_delivery WHERE endpoint_id = $1 AND message_id = $2`,
      [other, messageId],
    );
    for (const cursor of ['00000000-0000-4000-8000-000000000000', othersDelivery]) {
      const res = documented(
        await request(t.app).get(`/v1/webhooks/${mine}/deliveries?cursor=${cursor}`).expect(400),
        'get',
        '/v1/webhooks/{id}/deliveries',
      );
      expect(res.body).toMatchObject({
        type: '/problems/validation-error',
        errors: [{ path: 'cursor', message: expect.stringMatching(/^cursor must be a nextCursor this endpoint gave/) }],
      });
    }
  });
});

describe('refusals', () => {
  const long = `https://hooks.example.com/${'a'.repeat(2030)}`;
  it.each([
    ['no url', {}, 'url'],
    ['a url that is not text', { url: 42 }, 'url'],
    ['an empty url', { url: '' }, 'url'],
    ['a url that is not one', { url: 'hooks.example.com/fleet' }, 'url'],
    ['a url missing the slashes the parser would supply', { url: 'https:hooks.example.com/fleet' }, 'url'],
    ['an ftp url', { url: 'ftp://hooks.example.com/' }, 'url'],
    ['a javascript url', { url: 'javascript:alert(1)' }, 'url'],
    ['a url with a user and password', { url: 'https://ops:hunter2@hooks.example.com/' }, 'url'],
    ['a url with a fragment', { url: 'https://hooks.example.com/#top' }, 'url'],
    ['a url with a space', { url: 'https://hooks.example.com/a b' }, 'url'],
    ['a url with a newline the parser would drop', { url: 'https://hooks.exa\nmple.com/' }, 'url'],
    ['a url over 2048 characters', { url: long }, 'url'],
    ['a url of unbalanced brackets', { url: 'http://[::1/' }, 'url'],
    ['no event types', { url: 'https://hooks.example.com/', eventTypes: [] }, 'eventTypes'],
    ['an unknown event type', { url: 'https://hooks.example.com/', eventTypes: ['alarm.exploded'] }, 'eventTypes'],
    [
      'an event type twice',
      { url: 'https://hooks.example.com/', eventTypes: ['alarm.raised', 'alarm.raised'] },
      'eventTypes',
    ],
    [
      'event types that are not a list',
      { url: 'https://hooks.example.com/', eventTypes: 'alarm.raised' },
      'eventTypes',
    ],
    ['null event types', { url: 'https://hooks.example.com/', eventTypes: null }, 'eventTypes'],
    [
      'a description over 200 characters',
      { url: 'https://hooks.example.com/', description: 'x'.repeat(201) },
      'description',
    ],
    ['a description with a NUL', { url: 'https://hooks.example.com/', description: 'a\u0000b' }, 'description'],
    ['a secret of its own', { url: 'https://hooks.example.com/', secret: 'whsec_AAAA' }, 'secret'],
    ['a list instead of an object', [{ url: 'https://hooks.example.com/' }], ''],
  ])('creating with %s is a 400 naming the field, and writes nothing', async (_case, body, path) => {
    const before = await stored();
    const res = documented(await create(body).expect(400), 'post', '/v1/webhooks');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/validation-error', status: 400 });
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['a null url', { url: null }, 'url'],
    ['a url that is not http', { url: 'gopher://hooks.example.com/' }, 'url'],
    ['enabled that is not a boolean', { enabled: 'yes' }, 'enabled'],
    ['null event types', { eventTypes: null }, 'eventTypes'],
    ['an unknown field', { paused: true }, 'paused'],
  ])('changing with %s is a 400 naming the field, and changes nothing', async (_case, body, path) => {
    const { id } = (await create({ url: 'https://hooks.example.com/g' }).expect(201)).body;
    const before = await stored();
    const res = documented(
      await request(t.app).patch(`/v1/webhooks/${id}`).send(body).expect(400),
      'patch',
      '/v1/webhooks/{id}',
    );
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await stored()).toEqual(before);
  });

  it('a body that is not JSON is 415, and JSON that does not parse is 400', async () => {
    const before = await stored();
    await request(t.app).post('/v1/webhooks').type('text/plain').send('url=https://hooks.example.com/').expect(415);
    const res = await request(t.app).post('/v1/webhooks').type('application/json').send('{"url":').expect(400);
    expect(res.body.type).toBe('/problems/malformed-json');
    expect(await stored()).toEqual(before);
  });

  it('an id that is not a UUID is 400, an unknown one 404, on every route', async () => {
    const { id } = (await create({ url: 'https://hooks.example.com/h' }).expect(201)).body;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const before = await stored();
    for (const [method, path] of [
      ['get', '/v1/webhooks/:id'],
      ['patch', '/v1/webhooks/:id'],
      ['delete', '/v1/webhooks/:id'],
      ['post', '/v1/webhooks/:id/rotate-secret'],
      ['get', '/v1/webhooks/:id/deliveries'],
      ['post', `/v1/webhooks/:id/deliveries/${unknown}/resend`],
    ] as const) {
      const send = (webhookId: string) => request(t.app)[method](path.replace(':id', webhookId)).send({});
      expect((await send('hook-1')).status).toBe(400);
      const missing = await send(unknown);
      expect({ path, status: missing.status, type: missing.body.type }).toEqual({
        path,
        status: 404,
        type: '/problems/not-found',
      });
    }
    const resend = await request(t.app).post(`/v1/webhooks/${id}/deliveries/not-a-delivery/resend`).expect(400);
    expect(resend.body.errors).toEqual([{ path: 'deliveryId', message: 'deliveryId must be a UUID' }]);
    await request(t.app).post(`/v1/webhooks/${id}/deliveries/${unknown}/resend`).expect(404);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['a page size of 0', '?limit=0', 'limit'],
    ['a page size over 100', '?limit=101', 'limit'],
    ['an unknown state', '?state=lost', 'state'],
    ['a cursor it never gave', '?cursor=abc', 'cursor'],
    ['a repeated parameter', '?limit=1&limit=2', 'limit'],
    ['an unknown parameter', '?since=yesterday', 'since'],
  ])('listing deliveries with %s is a 400 naming it', async (_case, query, path) => {
    const { id } = (await create({ url: 'https://hooks.example.com/i' }).expect(201)).body;
    const res = documented(
      await request(t.app).get(`/v1/webhooks/${id}/deliveries${query}`).expect(400),
      'get',
      '/v1/webhooks/{id}/deliveries',
    );
    expect(res.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });
});
