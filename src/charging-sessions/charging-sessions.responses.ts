import { IsISO8601, IsUUID } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { IsDeviceId } from '../validation/rules';

// What the session endpoints answer; the OpenAPI schema is generated from these decorators, which
// validate nothing here: they only describe.

@described('A vehicle plugged into the charger behind a meter for [startedAt, endedAt).')
export class SessionView {
  @IsUUID() id: string;
  @IsDeviceId() vehicleId: string;
  @IsDeviceId() meterId: string;
  @IsISO8601() startedAt: string;
  @IsISO8601() @Nullable('null while the session is ongoing.') endedAt: string | null;
  @IsISO8601() createdAt: string;
}

export class ChargingSessionList {
  @ArrayOf(SessionView, 'Oldest start first.') sessions: SessionView[];
}
