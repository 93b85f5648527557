import request from 'supertest';
import type { Express } from 'express';
import { chargingSession, meterReading, vehicleReading } from '../support/factories';

/** AC each charging minute draws, in kWh. */
const AC_PER_MINUTE = 0.5;

/** An hour's charge of one vehicle at one charger, reported every minute by both, as devices do. */
export interface Charge {
  vehicleId: string;
  meterId: string;
  /** The hour of the day the session starts. */
  hour: number;
  /** DC reaching the battery per AC kWh: about 0.92 for a healthy vehicle on a healthy charger. */
  efficiency: number;
  /** Every n-th minute's reading of that side is lost on the way. */
  lose?: { side: 'ac' | 'dc'; every: number };
  /** Minutes the session lasts; an hour unless given. */
  minutes?: number;
}

const lost = ({ lose }: Charge, side: 'ac' | 'dc', minute: number) => lose?.side === side && minute % lose.every === 0;

/** Sessions and readings for the charges of `day` (YYYY-MM-DD), whose window is the whole day. */
export async function charge(app: Express, day: string, charges: Charge[]) {
  const at = (hour: number, minute = 0) => new Date(Date.parse(`${day}T00:00:00Z`) + (hour * 60 + minute) * 60_000);
  const readings: object[] = [];
  for (const c of charges) {
    const minutes = c.minutes ?? 60;
    await request(app)
      .post('/v1/charging-sessions')
      .send(
        chargingSession({
          vehicleId: c.vehicleId,
          meterId: c.meterId,
          startedAt: at(c.hour).toISOString(),
          endedAt: at(c.hour, minutes).toISOString(),
        }),
      )
      .expect(201);
    for (let minute = 1; minute <= minutes; minute += 1) {
      const timestamp = at(c.hour, minute).toISOString();
      if (!lost(c, 'ac', minute))
        readings.push(meterReading({ meterId: c.meterId, timestamp, kwhConsumedAc: AC_PER_MINUTE }));
      if (!lost(c, 'dc', minute)) {
        const kwhDeliveredDc = Math.round(AC_PER_MINUTE * c.efficiency * 1000) / 1000;
        readings.push(vehicleReading({ vehicleId: c.vehicleId, timestamp, kwhDeliveredDc }));
      }
    }
  }
  for (let i = 0; i < readings.length; i += 500) {
    await request(app)
      .post('/v1/ingestion/batch')
      .send(readings.slice(i, i + 500))
      .expect(201);
  }
  return { from: `${day}T00:00:00.000Z`, to: at(24).toISOString() };
}
