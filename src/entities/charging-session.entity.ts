import { Check, Column, Entity, Exclusion, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A vehicle plugged into the charger behind a meter for [startedAt, endedAt); a null endedAt is an
 * ongoing session. Neither a vehicle nor a meter has two sessions at once. The GiST index on the
 * period alone lives in the migration: TypeORM cannot describe an expression index.
 */
@Entity({ name: 'charging_session' })
@Check('charging_session_ends_after_start', 'ended_at IS NULL OR ended_at > started_at')
@Exclusion('charging_session_no_overlap', 'USING gist (vehicle_id WITH =, tstzrange(started_at, ended_at) WITH &&)')
@Exclusion('charging_session_meter_no_overlap', 'USING gist (meter_id WITH =, tstzrange(started_at, ended_at) WITH &&)')
export class ChargingSession {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'vehicle_id', type: 'text' })
  vehicleId: string;

  @Column({ name: 'meter_id', type: 'text' })
  meterId: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
