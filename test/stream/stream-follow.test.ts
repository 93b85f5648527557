import pino from 'pino';
import request from 'supertest';
import { notificationOf, type Notification } from '../../src/stream/stream.events';
import { StreamRepository, type Listener } from '../../src/stream/stream.repository';
import { StreamService, type StreamSink } from '../../src/stream/stream.service';
import { meterReading, minutesAgo, uniqueId } from '../support/factories';
import { testAppsClosedAfterAll, type TestApp } from '../support/test-app';
import { listening, SseClient } from './sse-client';

const testApp = testAppsClosedAfterAll();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every notification on the stream's channel of `t`'s database, as a process of the service would hear it. */
async function overhear(t: TestApp): Promise<Notification[]> {
  const heard: Notification[] = [];
  const listener: Listener = await new StreamRepository(t.db.dataSource, t.config.db.lockTimeoutMs).listen({
    notification: (payload) => heard.push(notificationOf(payload)),
    lost: () => undefined,
  });
  cleanups.push(() => listener.close());
  return heard;
}

async function until<T>(value: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = value();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const postMeter = (t: TestApp, meterId: string, timestamp: string) =>
  request(t.app).post('/v1/ingestion/meter').send(meterReading({ meterId, timestamp })).expect(201);

/** A client that reads nothing and only notes whether the service ended it. */
function silentClient(): { sink: StreamSink; ended: boolean } {
  const client = {
    ended: false,
    sink: {
      send: () => undefined,
      end: () => {
        client.ended = true;
      },
      queuedBytes: () => 0,
      drop: () => undefined,
    } satisfies StreamSink,
  };
  return client;
}

describe('announcing only while the stream is followed', () => {
  it('with no client anywhere, a stored reading is not announced; once one follows, the next is', async () => {
    const t = await testApp();
    const heard = await overhear(t);
    const meterId = uniqueId('MTR');
    await postMeter(t, meterId, minutesAgo(3));

    const server = await listening(t.app);
    cleanups.push(() => server.close());
    const client = await SseClient.open(`${server.url}/v1/stream?meterId=${meterId}`);
    cleanups.push(() => client.close());
    const followed = minutesAgo(2);
    await postMeter(t, meterId, followed);
    expect((await client.nextEvent()).data.timestamp).toBe(new Date(followed).toISOString());

    // Notifications arrive in commit order: had the first reading been announced, it would come first.
    const readings = await until(() => (heard.some((n) => n.kind === 'r') ? heard : undefined));
    expect(readings.map((notification) => notification.kind)).toEqual(['g', 'r']);
    expect(readings[1].count).toBe(1);
  });

  it('a process that starts following waits for the ingest transactions in flight to commit', async () => {
    const t = await testApp();
    const writer = t.db.dataSource.createQueryRunner();
    cleanups.push(() => writer.release());
    await writer.startTransaction();
    await writer.query(
      `INSERT INTO meter_history (meter_id, ts, kwh_consumed_ac, voltage) VALUES ($1, now() - interval '1 minute', 1, 230)`,
      [uniqueId('MTR')],
    );

    let ready = false;
    const following = t.services.stream.ready().then(() => (ready = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ready).toBe(false);
    await writer.commitTransaction();
    await following;
    expect(ready).toBe(true);
  });

  it('clients are ended, to come back and reload, when following lapsed while they were connected', async () => {
    const t = await testApp();
    const service = new StreamService(
      new StreamRepository(t.db.dataSource, t.config.db.lockTimeoutMs),
      t.services.analytics,
      { enabled: true, replayEvents: 100, efficiencyAlertThreshold: 0.85, followLeaseMs: 400 },
      pino({ level: 'silent' }),
    );
    cleanups.push(() => service.close());
    await service.ready();
    const client = silentClient();
    cleanups.push(service.follow({}, undefined, client.sink));

    // As if the renewals had stalled for longer than the lease: readings stored meanwhile went unannounced.
    await t.db.dataSource.query(`UPDATE stream_follow SET followed_until = '-infinity'`);
    await until(() => (client.ended ? true : undefined));
    expect(service.clientCount).toBe(0);
  });

  it('a renewal that fails is tried again soon, so a lease that has not lapsed is kept and its clients stay', async () => {
    const t = await testApp();
    const heard = await overhear(t);
    const leaseMs = 8_000;
    const service = new StreamService(
      new StreamRepository(t.db.dataSource, 10),
      t.services.analytics,
      { enabled: true, replayEvents: 100, efficiencyAlertThreshold: 0.85, followLeaseMs: leaseMs },
      pino({ level: 'silent' }),
    );
    const started = Date.now();
    const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, started + ms - Date.now()));
    cleanups.push(() => service.close());
    // Followed just before the first regular renewal: the lease runs out between the fourth and the fifth.
    await at(leaseMs / 4 - 300);
    await service.ready();
    const client = silentClient();
    cleanups.push(service.follow({}, undefined, client.sink));

    // Another transaction holds the mark's row through the fourth regular renewal: each one gives up.
    const holder = t.db.dataSource.createQueryRunner();
    await holder.startTransaction();
    await holder.query(`SELECT 1 FROM stream_follow FOR UPDATE`);
    await at(leaseMs + 300);
    await holder.commitTransaction();
    await holder.release();

    // Past the fifth regular renewal, which comes after the lease would have lapsed.
    await at((leaseMs * 5) / 4 + 500);
    expect(client.ended).toBe(false);
    expect(heard.filter((notification) => notification.kind === 'g')).toHaveLength(1);
    const [{ following }] = await t.db.dataSource.query<Array<{ following: boolean }>>(
      `SELECT followed_until > clock_timestamp() AS following FROM stream_follow`,
    );
    expect(following).toBe(true);
  }, 30_000);
});
