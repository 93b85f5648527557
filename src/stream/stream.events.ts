import type { Reading } from '../ingestion/ingestion.public';
import type { AlarmEvent } from '../alarms/alarms.public';
import type { LowEfficiencyEvent, StreamMeterReading, StreamVehicleReading } from './stream.responses';

/**
 * Which devices an event concerns, for the filters; a low-efficiency event counts for its vehicle only,
 * an alarm for its subject (none for an alarm about a webhook endpoint).
 */
export interface EventDevices {
  vehicleId?: string;
  meterId?: string;
}

export interface StreamEvent {
  /** The same on every replica, since each derives it from the notification they all receive. */
  id: string;
  name: 'reading' | 'low-efficiency' | 'alarm';
  devices: EventDevices;
  data: StreamMeterReading | StreamVehicleReading | LowEfficiencyEvent | AlarmEvent;
}

/**
 * One notification as it travels: `kind:key:count:body`. The head is read without parsing the body,
 * so a process that no client follows keeps notifications for replay at the cost of a string split.
 * Kinds: `r` readings (body: positional tuples, a third of the size of named fields), `l` one
 * low-efficiency event, `a` one change of an alarm (sent by the alarm's own transaction, so it is
 * heard only if that commits), `g` a gap (announcements were dropped; body empty).
 */
export interface Notification {
  kind: 'r' | 'l' | 'a' | 'g';
  key: string;
  count: number;
  body: string;
}

/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; the readings get this much of it and the
 * head the rest. Lengths are counted in characters, which are bytes here: ids are ASCII by the id rule,
 * and the rest is numbers.
 */
const READINGS_LIMIT = 7_900;

// Ids need no escaping: the id rule allows only letters, digits and . _ : -
const tuple = (reading: Reading): string =>
  reading.type === 'meter'
    ? `["m","${reading.meterId}",${reading.timestamp.getTime()},${reading.kwhConsumedAc},${reading.voltage}]`
    : `["v","${reading.vehicleId}",${reading.timestamp.getTime()},${reading.soc},${reading.kwhDeliveredDc},${reading.batteryTemp}]`;

/** The readings in as few payloads as the size limit allows, each named by a fresh key. */
export function readingPayloads(readings: Reading[], nextKey: () => string): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length > 0) payloads.push(`r:${nextKey()}:${parts.length}:[${parts.join(',')}]`);
    parts = [];
    size = 0;
  };
  for (const reading of readings) {
    const part = tuple(reading);
    if (size + part.length + 1 > READINGS_LIMIT) flush();
    parts.push(part);
    size += part.length + 1;
  }
  flush();
  return payloads;
}

export const lowEfficiencyPayload = (event: LowEfficiencyEvent, key: string): string =>
  `l:${key}:1:${JSON.stringify(event)}`;

/** Characters kept of each free text of an alarm too long for one notification. */
const ALARM_TEXT_KEPT = 400;
const cut = (text: string | null): string | null => {
  const characters = text === null ? [] : [...text];
  return characters.length <= ALARM_TEXT_KEPT ? text : `${characters.slice(0, ALARM_TEXT_KEPT).join('')}…`;
};

/**
 * `key` must be unique across replicas: the alarm change's own id. An alarm is sent whole when it fits
 * a notification. One whose texts are long (a note, a suspect's reason over many chargers) is sent
 * without its figures and with its texts cut: a payload PostgreSQL refuses would fail the alarm's change
 * with it. The alarm itself, and its webhook deliveries, keep everything.
 */
export function alarmPayload(event: AlarmEvent, key: string): string {
  const whole = `a:${key}:1:${JSON.stringify(event)}`;
  if (Buffer.byteLength(whole) < READINGS_LIMIT) return whole;
  const { data } = event;
  const brief: AlarmEvent = {
    ...event,
    data: {
      ...data,
      summary: cut(data.summary) ?? '',
      details: {},
      suspect: data.suspect && { ...data.suspect, reason: cut(data.suspect.reason) ?? '' },
      acknowledgedBy: cut(data.acknowledgedBy),
      acknowledgeNote: cut(data.acknowledgeNote),
    },
  };
  return `a:${key}:1:${JSON.stringify(brief)}`;
}

export const gapPayload = (key: string): string => `g:${key}:0:`;

export function notificationOf(payload: string): Notification {
  const [kind, key, count] = payload.split(':', 3);
  if (kind !== 'r' && kind !== 'l' && kind !== 'a' && kind !== 'g')
    throw new Error(`unknown stream notification kind ${kind}`);
  const body = payload.slice(kind.length + key.length + count.length + 3);
  return { kind, key, count: Number(count), body };
}

type MeterTuple = ['m', string, number, number, number];
type VehicleTuple = ['v', string, number, number, number, number];

function readingEvent(id: string, item: MeterTuple | VehicleTuple): StreamEvent {
  const timestamp = new Date(item[2]).toISOString();
  if (item[0] === 'm') {
    const [, meterId, , kwhConsumedAc, voltage] = item;
    return {
      id,
      name: 'reading',
      devices: { meterId },
      data: { type: 'meter', meterId, kwhConsumedAc, voltage, timestamp },
    };
  }
  const [, vehicleId, , soc, kwhDeliveredDc, batteryTemp] = item;
  return {
    id,
    name: 'reading',
    devices: { vehicleId },
    data: { type: 'vehicle', vehicleId, soc, kwhDeliveredDc, batteryTemp, timestamp },
  };
}

/** The events of one notification, in the order every receiver sees them. */
export function eventsOf({ kind, key, body }: Notification): StreamEvent[] {
  if (kind === 'g') return [];
  if (kind === 'l') {
    const event = JSON.parse(body) as LowEfficiencyEvent;
    return [{ id: `${key}.0`, name: 'low-efficiency', devices: { vehicleId: event.vehicleId }, data: event }];
  }
  if (kind === 'a') {
    const event = JSON.parse(body) as AlarmEvent;
    const { kind: subject, id } = event.data.subject;
    const devices = subject === 'vehicle' ? { vehicleId: id } : subject === 'meter' ? { meterId: id } : {};
    return [{ id: `${key}.0`, name: 'alarm', devices, data: event }];
  }
  return (JSON.parse(body) as Array<MeterTuple | VehicleTuple>).map((item, index) =>
    readingEvent(`${key}.${index}`, item),
  );
}

const frames = new WeakMap<StreamEvent, string>();

/** The event as an SSE frame, built once however many clients receive it. */
export function frameOf(event: StreamEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `event: ${event.name}\nid: ${event.id}\ndata: ${JSON.stringify(event.data)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}
