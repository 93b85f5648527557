import { Check } from 'typeorm';

type Bounds = Record<string, readonly [number, number]>;

/** The physical range of each measured column, as migration BoundReadings enforces it. */
export const METER_BOUNDS: Bounds = { kwh_consumed_ac: [0, 1_000_000], voltage: [0, 2_000] };
export const VEHICLE_BOUNDS: Bounds = { soc: [0, 100], kwh_delivered_dc: [0, 1_000_000], battery_temp: [-100, 200] };

/** One CHECK constraint per measured column of `table`, named as the migration names them. */
export function InBounds(table: string, bounds: Bounds): ClassDecorator {
  const checks = Object.entries(bounds).map(([column, [low, high]]) =>
    Check(`${table}_${column}_range`, `${column} BETWEEN ${low} AND ${high}`),
  );
  return (target) => checks.forEach((check) => check(target));
}
