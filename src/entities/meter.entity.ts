import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InBounds, METER_BOUNDS } from './reading-bounds';

/**
 * Append-only audit trail: one row per (meter, reading time), never updated. Range-partitioned on ts
 * (migration PartitionHistoryByTime, src/partitions); TypeORM sees only the parent table.
 */
@Entity({ name: 'meter_history' })
@InBounds('meter_history', METER_BOUNDS)
@Index('meter_history_ts_idx', ['ts'])
export class MeterHistory {
  @PrimaryColumn({ name: 'meter_id', type: 'text' })
  meterId: string;

  @PrimaryColumn({ type: 'timestamptz' })
  ts: Date;

  @Column({ name: 'kwh_consumed_ac', type: 'double precision' })
  kwhConsumedAc: number;

  @Column({ type: 'double precision' })
  voltage: number;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}

/** Current status: the newest reading seen per meter. */
@Entity({ name: 'meter_live' })
@InBounds('meter_live', METER_BOUNDS)
export class MeterLive {
  @PrimaryColumn({ name: 'meter_id', type: 'text' })
  meterId: string;

  @Column({ type: 'timestamptz' })
  ts: Date;

  @Column({ name: 'kwh_consumed_ac', type: 'double precision' })
  kwhConsumedAc: number;

  @Column({ type: 'double precision' })
  voltage: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
