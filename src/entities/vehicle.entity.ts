import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InBounds, VEHICLE_BOUNDS } from './reading-bounds';

/**
 * Append-only audit trail: one row per (vehicle, reading time), never updated. Range-partitioned on ts
 * (migration PartitionHistoryByTime, src/partitions); TypeORM sees only the parent table.
 */
@Entity({ name: 'vehicle_history' })
@InBounds('vehicle_history', VEHICLE_BOUNDS)
@Index('vehicle_history_ts_idx', ['ts'])
export class VehicleHistory {
  @PrimaryColumn({ name: 'vehicle_id', type: 'text' })
  vehicleId: string;

  @PrimaryColumn({ type: 'timestamptz' })
  ts: Date;

  @Column({ type: 'double precision' })
  soc: number;

  @Column({ name: 'kwh_delivered_dc', type: 'double precision' })
  kwhDeliveredDc: number;

  @Column({ name: 'battery_temp', type: 'double precision' })
  batteryTemp: number;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;
}

/** Current status: the newest reading seen per vehicle. */
@Entity({ name: 'vehicle_live' })
@InBounds('vehicle_live', VEHICLE_BOUNDS)
export class VehicleLive {
  @PrimaryColumn({ name: 'vehicle_id', type: 'text' })
  vehicleId: string;

  @Column({ type: 'timestamptz' })
  ts: Date;

  @Column({ type: 'double precision' })
  soc: number;

  @Column({ name: 'kwh_delivered_dc', type: 'double precision' })
  kwhDeliveredDc: number;

  @Column({ name: 'battery_temp', type: 'double precision' })
  batteryTemp: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
