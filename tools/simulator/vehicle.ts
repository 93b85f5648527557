import { ENERGY_DECIMALS, round } from './decimals';
import type { Charger } from './depot';
import type { Random } from './random';
import type { VehicleIntervalReading } from './readings';

export interface VehicleProfile {
  vehicleId: string;
  capacityKwh: number;
  /** DC reaching the battery per AC kWh the meter counts, on a healthy charger. */
  efficiency: number;
  faulty: boolean;
}

type Phase = 'driving' | 'parked' | 'charging';

export interface VehicleState extends VehicleProfile {
  /** The charger it is plugged into, while charging. */
  charger?: Charger;
  maxChargeKw: number;
  drivingKw: number;
  ambientC: number;
  soc: number;
  batteryTemp: number;
  phase: Phase;
  minutesLeft: number;
  targetSoc: number;
}

const BATTERY_KWH = [60, 77, 82, 100];
const HEALTHY_EFFICIENCY: [number, number] = [0.88, 0.94];
const FAULTY_EFFICIENCY: [number, number] = [0.75, 0.82];
// Enough to look measured; averaged over a session it moves the ratio by far less than the 0.85 margin.
const AC_JITTER = 0.01;
// Lithium-ion cells take full power to about 80 % and then the charger backs off towards full.
const TAPER_FROM_SOC = 80;
const MIN_TAPER = 0.1;
// °C per kW per minute gained while charging, and the share of the gap to ambient lost each minute:
// about +20 °C at 150 kW in equilibrium.
const HEATING = 0.004;
const COOLING = 0.03;

export function newVehicle(vehicleId: string, faulty: boolean, random: Random): VehicleState {
  const capacityKwh = random.pick(BATTERY_KWH);
  const ambientC = random.uniform(12, 24);
  const soc = random.uniform(20, 80);
  // Some start the run already back at the depot, so that short runs see charging from the first minute.
  const parked = soc < 50 && random.chance(0.5);
  return {
    vehicleId,
    capacityKwh,
    efficiency: random.uniform(...(faulty ? FAULTY_EFFICIENCY : HEALTHY_EFFICIENCY)),
    faulty,
    maxChargeKw: capacityKwh * random.uniform(1.2, 2),
    drivingKw: random.uniform(8, 20),
    ambientC,
    soc,
    batteryTemp: ambientC + random.uniform(0, 3),
    phase: parked ? 'parked' : 'driving',
    minutesLeft: parked ? random.int(10, 90) : random.int(5, 90),
    targetSoc: random.uniform(80, 95),
  };
}

/**
 * One minute of the vehicle's battery: drained while driving, filled while plugged in (its charger
 * drawing the matching AC), and what the vehicle reports for it at `reportedAt`.
 */
export function runMinute(vehicle: VehicleState, reportedAt: Date, random: Random): VehicleIntervalReading {
  let dcKwh = 0;
  let ambient = vehicle.ambientC;
  if (vehicle.phase === 'driving') {
    const used = (vehicle.drivingKw / 60) * random.uniform(0.6, 1.4);
    vehicle.soc = Math.max(0, vehicle.soc - (used / vehicle.capacityKwh) * 100);
    ambient += 5;
  } else if (vehicle.charger) {
    const { charger } = vehicle;
    // A faulty charger wastes energy whichever vehicle it feeds: more AC for the same DC.
    const efficiency = vehicle.efficiency * charger.efficiency;
    const taper = vehicle.soc < TAPER_FROM_SOC ? 1 : Math.max(MIN_TAPER, (100 - vehicle.soc) / (100 - TAPER_FROM_SOC));
    const powerKw = Math.min(charger.powerKw, vehicle.maxChargeKw) * taper;
    dcKwh = Math.min(powerKw / 60, ((100 - vehicle.soc) / 100) * vehicle.capacityKwh);
    vehicle.soc = Math.min(100, vehicle.soc + (dcKwh / vehicle.capacityKwh) * 100);
    vehicle.batteryTemp += powerKw * HEATING;
    charger.acKwh = (dcKwh / efficiency) * random.uniform(1 - AC_JITTER, 1 + AC_JITTER);
    charger.loadKw = powerKw / efficiency;
  }
  vehicle.batteryTemp += (ambient - vehicle.batteryTemp) * COOLING;
  vehicle.minutesLeft -= 1;
  return reading(vehicle, dcKwh, reportedAt);
}

/** What the vehicle would report at `at` without any energy: its state as it stands, nothing drawn. */
export const baselineReading = (vehicle: VehicleState, at: Date): VehicleIntervalReading => reading(vehicle, 0, at);

const reading = (vehicle: VehicleState, dcKwh: number, at: Date): VehicleIntervalReading => ({
  vehicleId: vehicle.vehicleId,
  soc: round(vehicle.soc, 2),
  kwhDeliveredDc: round(dcKwh, ENERGY_DECIMALS),
  batteryTemp: round(vehicle.batteryTemp, 1),
  timestamp: at.toISOString(),
});
