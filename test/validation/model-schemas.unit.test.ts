import { IsISO8601, IsOptional } from 'class-validator';
import { MeterReadingDto } from '../../src/ingestion/ingestion.dto';
import { described, modelSchemas, Nullable, queryParameters } from '../../src/validation/model-schema';
import { IsDeviceId, IsMeasurement } from '../../src/validation/rules';
import { IsTimestamp } from '../../src/validation/timestamp';

// The document's request and response schemas come from the decorators; these classes pin down how
// each of the project's own rules reads as JSON Schema.

class ProbeDto {
  @IsDeviceId() @described('The device.') deviceId: string;
  @IsMeasurement(-1, 1) level: number;
  @IsOptional() @IsTimestamp() at?: string;
}

class ProbeView {
  @IsISO8601() @Nullable('null until it happens.') happenedAt: string | null;
}

class WiderMeterReadingDto extends MeterReadingDto {
  @IsMeasurement(1, 3) phase: number;
}

describe('schemas generated from decorated classes', () => {
  it('maps ids, measurements and timestamps to the shared rules, and refuses unknown fields', () => {
    expect(modelSchemas(ProbeDto)).toEqual({
      Probe: {
        type: 'object',
        properties: {
          deviceId: { $ref: '#/components/schemas/DeviceId', description: 'The device.' },
          level: { type: 'number', minimum: -1, maximum: 1 },
          at: { $ref: '#/components/schemas/ZonedTimestamp' },
        },
        required: ['deviceId', 'level'],
        additionalProperties: false,
      },
    });
  });

  it('keeps a nullable response field required', () => {
    expect(modelSchemas(ProbeView).ProbeView).toMatchObject({
      properties: {
        happenedAt: {
          anyOf: [{ $ref: '#/components/schemas/Instant' }, { type: 'null' }],
          description: 'null until it happens.',
        },
      },
      required: ['happenedAt'],
    });
  });

  it('shows a field added to a reading without any change to the document', () => {
    const { properties, required } = modelSchemas(WiderMeterReadingDto).WiderMeterReading;
    expect(properties?.phase).toEqual({ type: 'number', minimum: 1, maximum: 3 });
    expect(required).toEqual(expect.arrayContaining(['meterId', 'voltage', 'timestamp', 'phase']));
    // The energy may come as a register instead: which of the two is sent is checked after the schema.
    expect(required).not.toContain('kwhConsumedAc');
    expect(required).not.toContain('kwhRegisterAc');
  });

  it('turns a query DTO into query parameters, lifting each description', () => {
    expect(queryParameters(ProbeDto)).toEqual([
      {
        name: 'deviceId',
        in: 'query',
        required: true,
        description: 'The device.',
        schema: { $ref: '#/components/schemas/DeviceId' },
      },
      { name: 'level', in: 'query', required: true, schema: { type: 'number', minimum: -1, maximum: 1 } },
      { name: 'at', in: 'query', required: false, schema: { $ref: '#/components/schemas/ZonedTimestamp' } },
    ]);
  });
});
