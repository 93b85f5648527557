import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alarms and the webhooks that carry them out.
 *
 * An alarm concerns one subject (a meter, a vehicle or a webhook endpoint) and has one type; at most
 * one alarm per subject and type is open (not cleared), which a partial unique index enforces, so two
 * replicas that find the same condition at once cannot both raise it: the second insert finds the first.
 * Every change of state is one row of `alarm_change`, the alarm's history; its id is the message id
 * of the change's webhook deliveries and the key of its stream event.
 *
 * Deliveries are an outbox: the change of an alarm and one delivery per endpoint that wants it are
 * written in the same transaction, so a committed change is never lost to a crash before delivery.
 * A delivery is claimed with a lease (`leased_until`) in a short transaction of its own rather than
 * held under a row lock while its receiver answers; an attempt cut short by a crash is taken up again
 * when its lease runs out, with the same message id. An endpoint has one delivery under a live lease at
 * a time, so a receiver that hangs holds up its own deliveries only. `pending_since` is when it was
 * written or last resent by hand: it is retried for WEBHOOK_RETRY_HOURS from then, and `attempts_at_resend`
 * (its attempts when last resent) lets its backoff start again from the first step while the attempt
 * numbers of its history keep counting up.
 */
export class AlarmsAndWebhooks1764480000000 implements MigrationInterface {
  name = 'AlarmsAndWebhooks1764480000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE alarm (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('low-efficiency', 'device-silent', 'data-quality', 'webhook-failing')),
        subject_kind text NOT NULL CHECK (subject_kind IN ('meter', 'vehicle', 'webhook')),
        subject_id text NOT NULL,
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'acknowledged', 'cleared')),
        summary text NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        suspect text CHECK (suspect IN ('charger', 'vehicle')),
        suspect_id text,
        suspect_reason text,
        raised_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        acknowledged_by text,
        acknowledge_note text,
        cleared_at timestamptz,
        CONSTRAINT alarm_acknowledged CHECK ((state = 'active') = (acknowledged_at IS NULL) OR state = 'cleared'),
        CONSTRAINT alarm_cleared CHECK ((state = 'cleared') = (cleared_at IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX alarm_one_open ON alarm (subject_kind, subject_id, type) WHERE state <> 'cleared'`,
    );
    // The list, newest first, and a subject's alarms.
    await queryRunner.query(`CREATE INDEX alarm_raised ON alarm (raised_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX alarm_subject ON alarm (subject_id, raised_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE alarm_change (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alarm_id uuid NOT NULL REFERENCES alarm (id) ON DELETE CASCADE,
        change text NOT NULL CHECK (change IN ('raised', 'acknowledged', 'cleared')),
        at timestamptz NOT NULL DEFAULT now(),
        by text,
        note text
      )`);
    await queryRunner.query(`CREATE INDEX alarm_change_alarm ON alarm_change (alarm_id, at)`);

    await queryRunner.query(`
      CREATE TABLE webhook_endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL CHECK (length(url) <= 2048),
        description text CHECK (length(description) <= 200),
        event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
        secret text NOT NULL,
        previous_secret text,
        previous_secret_until timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
        message_id text NOT NULL,
        event_type text NOT NULL,
        payload text NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        attempts_at_resend integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        pending_since timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT webhook_delivery_once UNIQUE (endpoint_id, message_id)
      )`);
    // The claim: an endpoint's first due delivery, and whether it has one in flight (few rows hold a lease).
    await queryRunner.query(
      `CREATE INDEX webhook_delivery_due ON webhook_delivery (endpoint_id, next_attempt_at) WHERE state = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_delivery_leased ON webhook_delivery (endpoint_id)
       WHERE state = 'pending' AND leased_until IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_attempt (
        delivery_id uuid NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
        attempt integer NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer,
        status integer,
        error text,
        PRIMARY KEY (delivery_id, attempt)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_attempt, webhook_delivery, webhook_endpoint, alarm_change, alarm`);
  }
}
