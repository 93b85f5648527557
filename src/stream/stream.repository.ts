import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { lockBoundedTransaction } from '../db/lock-timeout';
import { sql } from '../db/sql';

const CHANNEL = 'fleet_stream';

/** The statements this repository sends, by name (tools/sql-snapshots.ts keeps them readable under sql/). */
export const STREAM_STATEMENTS = {
  /**
   * One round trip for all the payloads, however many the size limit made of them. Its commit need
   * not wait for the disk: a notification is delivered at commit and is not kept across a crash anyway.
   */
  notify: sql`
    SELECT pg_notify('${CHANNEL}', payload)
    FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit, unnest($1::text[]) AS payload`,
  /**
   * One event, from inside the transaction that makes it (an alarm's change): heard only if that
   * commits, and with the commit's durability, unlike the readings' notify.
   */
  announce: sql`SELECT pg_notify('${CHANNEL}', $1)`,
  listen: sql`LISTEN ${CHANNEL}`,
  /** Locked, so that processes starting to follow at once do so one after the other. */
  followState: sql`SELECT followed_until > clock_timestamp() AS following FROM stream_follow FOR UPDATE`,
  /**
   * Waits for the ingest transactions in flight, which may have read that nobody follows, to commit,
   * and holds back new ones until following is recorded: these then read it.
   */
  holdIngestion: sql`LOCK TABLE meter_history, vehicle_history IN SHARE MODE`,
  followFor: sql`UPDATE stream_follow SET followed_until = clock_timestamp() + $1 * interval '1 millisecond'`,
};

export interface Listener {
  close(): Promise<void>;
}

export interface ListenerHandlers {
  notification(payload: string): void;
  /** The connection broke; notifications sent meanwhile are lost to this process. Called at most once. */
  lost(error: Error): void;
}

export class StreamRepository {
  constructor(
    private readonly dataSource: DataSource,
    /** DB_LOCK_TIMEOUT_MS: the longest follow() waits for a lock before it backs off. */
    private readonly lockTimeoutMs: number,
  ) {}

  /** PostgreSQL delivers them when this statement's transaction commits, in commit order to every listener. */
  async notify(payloads: string[]): Promise<void> {
    if (payloads.length > 0) await this.dataSource.query(STREAM_STATEMENTS.notify, [payloads]);
  }

  /**
   * Records that the stream is followed for the next `leaseMs`, from which point every stored reading
   * is announced. When nobody followed until now, readings went unannounced: `gap` is announced then,
   * in the same commit, so that every listener learns it. Answers whether it was. Fails with
   * lock_not_available (isLockNotAvailable) when a lock was still busy after a few short tries.
   */
  follow(leaseMs: number, gap: string): Promise<boolean> {
    // Its lock waits (lock_timeout) end at DB_LOCK_TIMEOUT_MS, so no reading queues behind holdIngestion for longer.
    return lockBoundedTransaction(this.dataSource, this.lockTimeoutMs, async (manager) => {
      const [{ following }] = await manager.query<Array<{ following: boolean }>>(STREAM_STATEMENTS.followState);
      if (!following) {
        await manager.query(STREAM_STATEMENTS.holdIngestion);
        await manager.query(STREAM_STATEMENTS.notify, [[gap]]);
      }
      await manager.query(STREAM_STATEMENTS.followFor, [leaseMs]);
      return !following;
    });
  }

  /**
   * A connection of its own, outside the pool: it stays open as long as the process listens, and a
   * pooled one would be taken from the requests for good.
   */
  async listen(handlers: ListenerHandlers): Promise<Listener> {
    const client = new Client({
      ...this.connectionConfig(),
      application_name: 'fleet-platform-stream',
      keepAlive: true,
    });
    let open = true;
    const lost = (error: Error) => {
      if (!open) return;
      open = false;
      void client.end().catch(() => undefined);
      handlers.lost(error);
    };
    // Kept after closing too: pg emits 'error' on a client without a listener as an uncaught exception.
    client.on('error', lost);
    client.on('end', () => lost(new Error('the stream listener connection ended')));
    client.on('notification', ({ channel, payload }) => {
      if (open && channel === CHANNEL && payload !== undefined) handlers.notification(payload);
    });
    try {
      await client.connect();
      await client.query(STREAM_STATEMENTS.listen);
    } catch (error) {
      open = false;
      await client.end().catch(() => undefined);
      throw error;
    }
    return {
      close: async () => {
        if (!open) return;
        open = false;
        await client.end();
      },
    };
  }

  /** The pool's own settings, so the listener reaches the same database as the requests, however configured. */
  private connectionConfig(): ClientConfig {
    const { options } = (this.dataSource.driver as unknown as { master: { options: ClientConfig } }).master;
    // pg keeps the password out of enumeration so that logging the options cannot leak it; a spread skips it too.
    return { ...options, password: options.password };
  }
}
