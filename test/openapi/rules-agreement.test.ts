import { parseFleetQuery } from '../../src/analytics/analytics.dto';
import { parseReading } from '../../src/ingestion/ingestion.dto';
import { openApiDocument } from '../../src/openapi/openapi.document';
import { meterReading, minutesAgo, vehicleReading } from '../support/factories';
import { validatorAt } from './document-schemas';

// The document restates the DTO rules as JSON Schema; on these edge values both must give the same verdict.

describe('request schemas agree with the reading rules', () => {
  const meter = validatorAt('components', 'schemas', 'MeterReading');
  const vehicle = validatorAt('components', 'schemas', 'VehicleReading');
  const rules = { maxClockSkewSeconds: 300, maxReadingKwh: 1_000 };

  const meterCases: [string, object][] = [
    ['valid', meterReading()],
    ['voltage at its maximum', meterReading({ voltage: 2_000 })],
    ['voltage above its maximum', meterReading({ voltage: 2_000.5 })],
    ['negative energy', meterReading({ kwhConsumedAc: -0.1 })],
    ['zero energy', meterReading({ kwhConsumedAc: 0 })],
    ['a number in a string', { ...meterReading(), voltage: '240' }],
    ['an id of 64 characters', meterReading({ meterId: 'M'.repeat(64) })],
    ['an id of 65 characters', meterReading({ meterId: 'M'.repeat(65) })],
    ['an empty id', meterReading({ meterId: '' })],
    ['an id with a space', meterReading({ meterId: 'METER 1' })],
    ['an id with every allowed sign', meterReading({ meterId: 'a.b_c:d-E9' })],
    ['an offset zone', meterReading({ timestamp: minutesAgo(5).replace('Z', '+00:00') })],
    ['no zone', meterReading({ timestamp: minutesAgo(5).replace('Z', '') })],
    ['a date only', meterReading({ timestamp: minutesAgo(5).slice(0, 10) })],
    ['an hour-only offset', meterReading({ timestamp: minutesAgo(5).replace('Z', '+00') })],
    ['an offset without a colon', meterReading({ timestamp: minutesAgo(5).replace('Z', '+0000') })],
    ['a comma fraction', meterReading({ timestamp: minutesAgo(5).replace('.', ',') })],
    ['a lower-case zone', meterReading({ timestamp: minutesAgo(5).replace('Z', 'z') })],
    ['an unknown field', { ...meterReading(), phase: 3 }],
    ['a missing field', { meterId: 'M-1', kwhConsumedAc: 1, timestamp: minutesAgo(5) }],
  ];
  const vehicleCases: [string, object][] = [
    ['valid', vehicleReading()],
    ['soc at 100', vehicleReading({ soc: 100 })],
    ['soc above 100', vehicleReading({ soc: 100.1 })],
    ['battery at -100', vehicleReading({ batteryTemp: -100 })],
    ['battery below -100', vehicleReading({ batteryTemp: -100.5 })],
    ['battery above 200', vehicleReading({ batteryTemp: 201 })],
    ['both ids', { ...vehicleReading(), meterId: 'M-1' }],
  ];

  it.each(meterCases)('meter reading: %s', (_name, body) => {
    expect(meter(body)).toBe(parseReading(body, 'meter', rules).ok);
  });

  it.each(vehicleCases)('vehicle reading: %s', (_name, body) => {
    expect(vehicle(body)).toBe(parseReading(body, 'vehicle', rules).ok);
  });
});

describe('query parameter schemas agree with the analytics rules', () => {
  const fleet = openApiDocument.paths['/v1/analytics/fleet/efficiency'].get!;
  const parameterIndex = (name: string) => fleet.parameters!.findIndex((parameter) => parameter.name === name);
  const accepts = (name: string, value: number) =>
    validatorAt('paths', '/v1/analytics/fleet/efficiency', 'get', 'parameters', String(parameterIndex(name)), 'schema')(value);
  const parses = (query: Record<string, string>) => {
    try {
      parseFleetQuery(query, new Date());
      return true;
    } catch {
      return false;
    }
  };

  it.each([
    ['hours', 8_760],
    ['hours', 8_760.5],
    ['hours', 0],
    ['hours', 0.5],
    ['limit', 1],
    ['limit', 0],
    ['limit', 1_000],
    ['limit', 1_001],
    ['limit', 2.5],
    ['threshold', 1],
    ['threshold', 1.01],
  ])('%s=%s', (name, value) => {
    expect(accepts(name, value)).toBe(parses({ [name]: String(value) }));
  });
});
