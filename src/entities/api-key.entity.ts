import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const ROLES = ['ingest', 'read', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const KEY_SCOPES = ['fleet', 'devices'] as const;
/** `fleet`: any device; `devices`: the ingest key writes for the devices listed in api_key_device only. */
export type KeyScope = (typeof KEY_SCOPES)[number];

/** A credential for one integration; only the SHA-256 of the key is kept. */
@Entity({ name: 'api_key' })
@Unique('api_key_key_hash_key', ['keyHash'])
@Check('api_key_role_check', `role IN ('ingest', 'read', 'admin')`)
@Check('api_key_name_check', 'length(name) BETWEEN 1 AND 100')
@Check('api_key_key_hash_check', 'length(key_hash) = 32')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: Role;

  @Column({ name: 'key_hash', type: 'bytea' })
  keyHash: Buffer;

  @Column({ type: 'text', default: 'fleet' })
  scope: KeyScope;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
