import type { MeterReadingDto, VehicleReadingDto } from '../../src/ingestion/ingestion.dto';

// What devices send, as the simulator builds it. The fields are the ingestion DTOs' (so a renamed or
// retyped field fails to compile here), each required: a simulated reading always carries what it sends.

/** A meter's reading with the AC energy of the interval it closes. */
export type MeterIntervalReading = Required<
  Pick<MeterReadingDto, 'meterId' | 'kwhConsumedAc' | 'voltage' | 'timestamp'>
>;

/** A vehicle's reading with the DC energy of the interval it closes. */
export type VehicleIntervalReading = Required<
  Pick<VehicleReadingDto, 'vehicleId' | 'soc' | 'kwhDeliveredDc' | 'batteryTemp' | 'timestamp'>
>;

/** What the fleet model produces each minute: every device's interval energy. */
export type IntervalReading = MeterIntervalReading | VehicleIntervalReading;

/** A meter's reading with its cumulative lifetime counter (kWh) instead of the interval's energy (--registers). */
export type MeterRegisterReading = Omit<MeterIntervalReading, 'kwhConsumedAc'> & { kwhRegisterAc: number };

/** A vehicle's reading with its cumulative lifetime DC counter (kWh) instead of the interval's energy. */
export type VehicleRegisterReading = Omit<VehicleIntervalReading, 'kwhDeliveredDc'> & { kwhRegisterDc: number };

export type RegisterReading = MeterRegisterReading | VehicleRegisterReading;

/** A reading as it goes on the wire. */
export type WireReading = IntervalReading | RegisterReading;

/** The device a reading speaks for: meter and vehicle ids never clash, as fleet ids spell the kind. */
export const deviceOf = (reading: WireReading): string => ('meterId' in reading ? reading.meterId : reading.vehicleId);

/** The energy an interval reading carries, whichever kind of device sent it. */
export const intervalKwh = (reading: IntervalReading): number =>
  'meterId' in reading ? reading.kwhConsumedAc : reading.kwhDeliveredDc;
