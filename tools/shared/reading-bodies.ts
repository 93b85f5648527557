/** Readings as a device sends them over HTTP: what the tests post and what the benchmarks replay. */
export interface MeterReadingBody {
  meterId: string;
  kwhConsumedAc: number;
  kwhRegisterAc?: number;
  voltage: number;
  timestamp: string;
}

export interface VehicleReadingBody {
  vehicleId: string;
  soc: number;
  kwhDeliveredDc: number;
  kwhRegisterDc?: number;
  batteryTemp: number;
  timestamp: string;
}
