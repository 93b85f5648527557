import { IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { DeviceListQueryDto, pageOf, type DeviceListQuery } from '../live/live.public';
import { described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { validateQuery, validateRequest } from '../validation/validate-request';

export const DEVICE_KINDS = ['meter', 'vehicle'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];
export const DEVICE_STATES = ['active', 'decommissioned'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/**
 * Labels are shown to operators as typed. Counted in characters (code points), as PostgreSQL's length()
 * counts them; no control characters (NUL has no place in PostgreSQL text) and no lone surrogate halves,
 * which would be stored as something else than was sent.
 */
const LABEL_PATTERN = /^[^\p{Cc}\p{Cs}]{1,100}$/u;
const LABEL_RULE = '1-100 characters, no control characters';
const aboutKind = described('`meter` (AC drawn from the grid) or `vehicle` (DC into the battery).');
const aboutState = described(
  '`decommissioned` devices are retired: their record and history stay. `active` reinstates one.',
);

const KindRule = () => IsIn(DEVICE_KINDS, { message: 'kind must be meter or vehicle' });
const StateRule = () => IsIn(DEVICE_STATES, { message: 'state must be active or decommissioned' });

const Label = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(LABEL_PATTERN, { message: `${String(key)} must be ${LABEL_RULE}` })(target, key);
};

/**
 * The seconds between a device's readings, against which coverage counts the readings that should have
 * arrived. Up to a day, as the database's check (migration 1764475000000-ReadingCoverage) holds it; a
 * JSON number only, so "60" is refused rather than guessed at.
 */
const INTERVAL_RULE = 'a whole number of seconds from 1 to 86400';
export const ReportingInterval = (): PropertyDecorator => (target, key) => {
  const message = `${String(key)} must be ${INTERVAL_RULE}`;
  IsInt({ message })(target, key);
  Min(1, { message })(target, key);
  Max(86_400, { message })(target, key);
};
const aboutInterval = (whenNull: string) => Nullable(`How often it reports, ${INTERVAL_RULE}; ${whenNull}.`);

export class NewDeviceDto {
  @IsDeviceId() id: string;
  @IsDefined() @KindRule() @aboutKind kind: DeviceKind;
  @IsOptional() @Label() @described(`What operators call it: ${LABEL_RULE}.`) label?: string;
  @IsOptional()
  @ReportingInterval()
  @aboutInterval("null or absent: the service's READING_INTERVAL_SECONDS")
  reportingIntervalSeconds?: number | null;
}

export class DeviceChangeDto {
  // null removes the label, so only a label that is there and not null is held to the label rule.
  @ValidateIf((change: DeviceChangeDto) => change.label !== null)
  @IsOptional()
  @Label()
  @Nullable(`The new label (${LABEL_RULE}); null removes it, absent keeps it.`)
  label?: string | null;

  @IsOptional() @StateRule() @aboutState state?: DeviceState;

  @IsOptional()
  @ReportingInterval()
  @aboutInterval("null returns it to the service's READING_INTERVAL_SECONDS, absent keeps it")
  reportingIntervalSeconds?: number | null;
}

export class DeviceRegistryQueryDto extends DeviceListQueryDto {
  @IsOptional() @KindRule() @aboutKind kind?: DeviceKind;
  @IsOptional() @StateRule() @aboutState state?: DeviceState;
}

export interface NewDevice {
  id: string;
  kind: DeviceKind;
  label: string | null;
  /** Absent or null: the service's default interval. */
  reportingIntervalSeconds?: number | null;
}

/** What a PATCH changes: a field left undefined stays as it is. */
export interface DeviceChange {
  label?: string | null;
  state?: DeviceState;
  reportingIntervalSeconds?: number | null;
}

export interface DeviceRegistryQuery extends DeviceListQuery {
  kind?: DeviceKind;
  state?: DeviceState;
}

export function parseNewDevice(body: unknown): NewDevice {
  const dto = validateRequest(NewDeviceDto, body, 'The device is invalid; nothing was registered.');
  return {
    id: dto.id,
    kind: dto.kind,
    label: dto.label ?? null,
    reportingIntervalSeconds: dto.reportingIntervalSeconds ?? null,
  };
}

export function parseDeviceChange(body: unknown): DeviceChange {
  const dto = validateRequest(DeviceChangeDto, body, 'The change is invalid; nothing was changed.');
  return { label: dto.label, state: dto.state, reportingIntervalSeconds: dto.reportingIntervalSeconds };
}

export function parseDeviceRegistryQuery(query: unknown): DeviceRegistryQuery {
  const dto = validateQuery(DeviceRegistryQueryDto, query, 'The query is invalid.');
  return { ...pageOf(dto), kind: dto.kind, state: dto.state };
}
