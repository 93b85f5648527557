import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys are stored only as the SHA-256 of the key; the plaintext is shown once, at creation. A
 * revoked key keeps its row (revoked_at set) so `keys list` still tells who had access and until when.
 * The table stays small (one row per integration), so it needs no index beyond its keys.
 */
export class CreateApiKeys1764355000000 implements MigrationInterface {
  name = 'CreateApiKeys1764355000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_key (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL,
        key_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CONSTRAINT api_key_pkey PRIMARY KEY (id),
        CONSTRAINT api_key_key_hash_key UNIQUE (key_hash),
        CONSTRAINT api_key_role_check CHECK (role IN ('ingest', 'read', 'admin')),
        CONSTRAINT api_key_name_check CHECK (length(name) BETWEEN 1 AND 100),
        CONSTRAINT api_key_key_hash_check CHECK (length(key_hash) = 32)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_key`);
  }
}
