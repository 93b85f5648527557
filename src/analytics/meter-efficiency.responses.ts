import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ArrayOf, described, modelRef, Nullable } from '../validation/model-schema';
import { ID_PATTERN, IsDeviceId } from '../validation/rules';
import { DATA_QUALITY_FLAGS, SUSPECT_RULE, SUSPECTS, type DataQualityFlag, type Suspect } from './analytics.responses';

// What the meter view answers; the decorators describe the OpenAPI schemas and validate nothing here.

@described("The same vehicle's sessions on every other meter in the window, together.")
export class ElsewhereFigures {
  @IsArray() @Matches(ID_PATTERN, { each: true }) meterIds: string[];
  @IsNumber() @Min(0) totalKwhConsumedAc: number;
  @IsNumber() @Min(0) totalKwhDeliveredDc: number;
  @IsNumber() @Min(0) @Nullable('null without AC elsewhere.') efficiencyRatio: number | null;
  @IsBoolean()
  @described('Below the threshold on complete figures (both coverages at least `MIN_COVERAGE`, DC not above AC).')
  lowEfficiency: boolean;
}

export class MeterVehicle {
  @IsDeviceId() vehicleId: string;
  @IsInt() @Min(0) @described("The vehicle's sessions on this meter in the window.") sessions: number;
  @IsNumber() @Min(0) @described("The meter's AC over those sessions (∩ window).") totalKwhConsumedAc: number;
  @IsNumber() @Min(0) @described("The vehicle's DC over the same periods.") totalKwhDeliveredDc: number;
  @IsNumber() @Min(0) @Nullable('DC / AC to 3 decimals; null without AC.') efficiencyRatio: number | null;
  @IsNumber() @Min(0) @Max(1) @described("The meter's coverage over those sessions.") coverageAc: number;
  @IsNumber() @Min(0) @Max(1) @described("The vehicle's coverage over those sessions.") coverageDc: number;
  @IsIn(DATA_QUALITY_FLAGS, { each: true })
  @described('`dc-exceeds-ac`, `incomplete-ac`, `incomplete-dc`, as in the performance figures.')
  dataQuality: DataQualityFlag[];
  @IsBoolean()
  @described('Below the threshold here, on figures no data-quality flag casts doubt on.')
  lowEfficiency: boolean;
  @IsObject() @JSONSchema(() => ({ ...modelRef(ElsewhereFigures) })) elsewhere: ElsewhereFigures;
  @IsIn(SUSPECTS)
  @Nullable(
    '`vehicle` when the vehicle is suspected; else `charger` when it is low here and this charger is suspected.',
  )
  suspect: Suspect | null;
  @IsString() @Nullable('The evidence, in a sentence; null without a suspect.') suspectReason: string | null;
}

@described(`A meter (a charger) and the vehicles it fed over the window: charger or vehicle? ${SUSPECT_RULE}`)
export class MeterEfficiency {
  @IsDeviceId() meterId: string;
  @IsISO8601() periodStart: string;
  @IsISO8601() periodEnd: string;
  @IsNumber() @Min(0) @Max(1) threshold: number;
  @IsNumber() @Min(0) @Max(1) minCoverage: number;
  @IsNumber() @Min(0) @described("The meter's AC over all its sessions (∩ window).") totalKwhConsumedAc: number;
  @IsNumber() @Min(0) @described('The DC its vehicles took over the same periods.') totalKwhDeliveredDc: number;
  @IsNumber() @Min(0) @Nullable('DC / AC to 3 decimals; null without AC.') efficiencyRatio: number | null;
  @IsNumber() @Min(0) @Max(1) @Nullable("The meter's coverage over its sessions; null without any.") coverage:
    number | null;
  @IsIn(['charger']) @Nullable('`charger` when this charger is suspected.') suspect: 'charger' | null;
  @IsString() @Nullable('The evidence, in a sentence; null without a suspect.') suspectReason: string | null;
  @ArrayOf(MeterVehicle, 'Lowest ratio here first (no ratio last), then by vehicle id.') vehicles: MeterVehicle[];
}
