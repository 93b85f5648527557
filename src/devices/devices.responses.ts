import { IsIn, IsISO8601, IsString } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';
import { REGISTER_EVENTS } from '../ingestion/ingestion.public';
import { DEVICE_KINDS, DEVICE_STATES, ReportingInterval, type DeviceKind, type DeviceState } from './devices.dto';

const REGISTER_FLAGS = REGISTER_EVENTS.map((event) => `register-${event}`);

// What the registry answers; the OpenAPI schema is generated from these decorators, which validate
// nothing here: they only describe.

@described('A meter or vehicle as registered.')
export class DeviceView {
  @IsDeviceId() id: string;
  @IsIn(DEVICE_KINDS) kind: DeviceKind;
  @IsString() @Nullable('What operators call it; null when unnamed.') label: string | null;
  @ReportingInterval()
  @Nullable("The seconds it is expected to report at; null: the service's READING_INTERVAL_SECONDS.")
  reportingIntervalSeconds: number | null;
  @IsIn(DEVICE_STATES) state: DeviceState;
  @IsISO8601() @described('When it was registered.') createdAt: string;
  @IsISO8601() @Nullable('null while active.') decommissionedAt: string | null;
  @IsISO8601() @Nullable('When its newest reading was stored; null if it never reported.') lastSeenAt: string | null;
  @IsIn(REGISTER_FLAGS, { each: true })
  @described(
    'What its register readings of the last day met, in name order: `register-dip` (a small step back, held), ' +
      '`register-reset` and `register-replaced` (a new counter epoch), `register-rollover` (past ' +
      '`REGISTER_ROLLOVER_KWH`), `register-quarantined` (a rise faster than `MAX_POWER_KW`, not counted). Empty ' +
      'when none; docs/registers.md.',
  )
  dataQuality: string[];
}

export class DevicePage {
  @ArrayOf(DeviceView, 'In id order.') devices: DeviceView[];
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}
