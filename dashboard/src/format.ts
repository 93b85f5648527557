// Numbers as people read them, always with their unit. One locale, so the page reads the same
// wherever it is opened.

const LOCALE = 'en-GB';
const numbers = new Map<number, Intl.NumberFormat>();

export function number(value: number, digits = 1): string {
  let format = numbers.get(digits);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numbers.set(digits, format);
  }
  return format.format(value);
}

export const count = (value: number): string => number(value, 0);

/** Wh for a minute's reading, kWh up to 10 MWh, MWh beyond, so a month of a large fleet stays short. */
export function energy(kwh: number): string {
  const size = Math.abs(kwh);
  if (size >= 10_000) return `${number(kwh / 1_000, 2)} MWh`;
  if (size >= 1) return `${number(kwh, size < 10 ? 2 : 1)} kWh`;
  return `${number(kwh * 1_000, size < 0.01 ? 1 : 0)} Wh`;
}

/** A DC/AC ratio or a coverage (a share of the readings expected) as a percentage; a dash without one. */
export const ratio = (value: number | null): string => (value === null ? '–' : `${number(value * 100, 1)} %`);

export const percent = (value: number | null): string => (value === null ? '–' : `${number(value, 1)} %`);
export const celsius = (value: number | null): string => (value === null ? '–' : `${number(value, 1)} °C`);
export const volts = (value: number): string => `${number(value, 1)} V`;

const dateTimes = new Intl.DateTimeFormat(LOCALE, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export const dateTime = (iso: string): string => dateTimes.format(new Date(iso));

export function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1_000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
