import { IsIn, IsISO8601, IsObject, IsString, IsUUID } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../webhooks/webhooks.public';
import { ArrayOf, described, modelRef, Nullable } from '../validation/model-schema';

// What the alarm routes, the stream and the webhooks answer; the OpenAPI schemas are generated from these
// decorators, which validate nothing here: they only describe.

export const ALARM_TYPES = ['low-efficiency', 'device-silent', 'data-quality', 'webhook-failing'] as const;
export type AlarmType = (typeof ALARM_TYPES)[number];
export const ALARM_STATES = ['active', 'acknowledged', 'cleared'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
export const SUBJECT_KINDS = ['meter', 'vehicle', 'webhook'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];
export const ALARM_CHANGES = ['raised', 'acknowledged', 'cleared'] as const;
export type AlarmChange = (typeof ALARM_CHANGES)[number];

@described('What the alarm is about: a device by its id, or a webhook endpoint by its id.')
export class AlarmSubject {
  @IsIn(SUBJECT_KINDS) kind: SubjectKind;
  @IsString() id: string;
}

@described('Who the analytics blame for the loss, when they can tell a charger from a vehicle.')
export class AlarmSuspect {
  @IsIn(['charger', 'vehicle']) kind: 'charger' | 'vehicle';
  @IsString()
  @Nullable('The meter or vehicle suspected; null when several chargers are (the reason names them).')
  id: string | null;
  @IsString() @described('The evidence, in a sentence.') reason: string;
}

@described('A condition someone should act on, from when it was found until it is gone.')
export class AlarmView {
  @IsUUID() id: string;
  @IsIn(ALARM_TYPES)
  @described(
    '`low-efficiency`: consecutive complete sessions below the threshold; `device-silent`: no reading for ' +
      '`ALARM_SILENT_AFTER`; `data-quality`: flags over the last 24 hours; `webhook-failing`: an endpoint ' +
      'that has not taken a delivery for a day.',
  )
  type: AlarmType;
  @IsObject() @JSONSchema(() => ({ ...modelRef(AlarmSubject) })) subject: AlarmSubject;
  @IsIn(ALARM_STATES)
  @described('`active` until a person acknowledges it; `cleared` once the condition is gone, acknowledged or not.')
  state: AlarmState;
  @IsString() @described('The condition in a sentence.') summary: string;
  @IsObject() @described('The figures behind it, by type (see the alarms guide).') details: Record<string, unknown>;
  @JSONSchema(() => ({
    anyOf: [modelRef(AlarmSuspect), { type: 'null' }],
    description: 'null when nobody is suspected.',
  }))
  suspect: AlarmSuspect | null;
  @IsISO8601() raisedAt: string;
  @IsISO8601() @Nullable('null until acknowledged.') acknowledgedAt: string | null;
  @IsString() @Nullable('The name of the key that acknowledged it.') acknowledgedBy: string | null;
  @IsString() @Nullable('What the person said when acknowledging.') acknowledgeNote: string | null;
  @IsISO8601() @Nullable('null while open.') clearedAt: string | null;
}

export class AlarmPage {
  @ArrayOf(AlarmView, 'Newest raised first.') alarms: AlarmView[];
  @IsString() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}

@described('One change in an alarm’s life.')
export class AlarmHistoryEntry {
  @IsIn(ALARM_CHANGES) change: AlarmChange;
  @IsISO8601() at: string;
  @IsString() @Nullable('Who acknowledged; null for changes the service made.') by: string | null;
  @IsString() @Nullable('The acknowledgement note, or why the alarm cleared.') note: string | null;
}

export class AlarmWithHistory extends AlarmView {
  @ArrayOf(AlarmHistoryEntry, 'Oldest first.') history: AlarmHistoryEntry[];
}

@described('A change of an alarm: the body of a webhook delivery, and the data of the stream’s `event: alarm`.')
export class AlarmEvent {
  @IsIn(WEBHOOK_EVENT_TYPES) type: WebhookEventType;
  @IsISO8601() @described('When the change happened.') timestamp: string;
  @IsObject() @JSONSchema(() => ({ ...modelRef(AlarmView) })) data: AlarmView;
}
