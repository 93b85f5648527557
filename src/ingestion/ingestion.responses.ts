import { ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import type { FieldError } from '../errors/problem';
import { ArrayOf, described, ref } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import type { ReadingType } from './ingestion.dto';

// What the ingestion routes answer; the OpenAPI schemas are generated from these decorators, which
// validate nothing here: they only describe.

const READING_TYPES: ReadingType[] = ['meter', 'vehicle'];

export class IngestionResult {
  @IsIn(READING_TYPES) type: ReadingType;
  @IsDeviceId() id: string;
  @IsISO8601() timestamp: string;
  @IsBoolean() @described('true when this device already had a reading at this timestamp.') duplicate: boolean;
}

export class BatchItemErrors {
  @IsInt() @Min(0) @described('Position of the rejected item in the request array.') index: number;
  @IsArray() @ArrayMinSize(1) @JSONSchema({ items: ref('FieldError') }) errors: FieldError[];
}

export class BatchResult {
  @IsInt() @Min(1) @described('Items in the request.') received: number;
  @IsInt() @Min(0) @described('Readings newly stored.') stored: number;
  @IsInt() @Min(0) @described('Valid readings already stored, including repeats inside this batch.') duplicates: number;
  @IsInt() @Min(0) @described('Invalid items; none of them was stored.') rejected: number;
  @ArrayOf(BatchItemErrors, 'One entry per rejected item.') errors: BatchItemErrors[];
}
