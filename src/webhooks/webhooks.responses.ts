import { IsBoolean, IsIn, IsInt, IsISO8601, IsString, IsUUID } from 'class-validator';
import { ArrayOf, described, Nullable } from '../validation/model-schema';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-outbox';
import { DELIVERY_STATES, type DeliveryState } from './webhooks.dto';

// What the webhook endpoints answer; the OpenAPI schema is generated from these decorators, which
// validate nothing here: they only describe.

const SECRET =
  'The signing secret, `whsec_` and the base64 of 32 random bytes: give it to the receiver, which verifies ' +
  'each delivery with it (docs/webhooks.md). Shown only here.';

@described('A receiver of alarm changes, signed as the Standard Webhooks spec says.')
export class WebhookView {
  @IsUUID() id: string;
  @IsString() @described('Where deliveries are POSTed.') url: string;
  @IsString() @Nullable('What it is for; null when not said.') description: string | null;
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true }) @described('The events it is sent.') eventTypes: WebhookEventType[];
  @IsBoolean() @described('false: it is sent nothing.') enabled: boolean;
  @IsString()
  @Nullable('Why it was disabled: by an operator, or because it answered 410 Gone; null while enabled.')
  disabledReason: string | null;
  @IsISO8601()
  @Nullable('Since when its attempts have failed, none having succeeded since; null when its last attempt succeeded.')
  failingSince: string | null;
  @IsISO8601()
  @Nullable('After a rotation, until when the previous secret still signs beside the new one; null otherwise.')
  previousSecretValidUntil: string | null;
  @IsISO8601() createdAt: string;
}

export class CreatedWebhook extends WebhookView {
  @IsString() @described(SECRET) secret: string;
}

export class WebhookList {
  @ArrayOf(WebhookView, 'Oldest first.') webhooks: WebhookView[];
}

@described('A new secret; until `previousSecretValidUntil` deliveries carry a signature with each.')
export class RotatedSecret {
  @IsString() @described(SECRET) secret: string;
  @IsISO8601() previousSecretValidUntil: string;
}

@described('One try at sending a delivery.')
export class AttemptView {
  @IsInt() @described('1 for the first try, and so on.') attempt: number;
  @IsISO8601() @described('When it started; its `webhook-timestamp`.') at: string;
  @IsInt() @Nullable('From the connection to the last byte of the answer.') durationMs: number | null;
  @IsInt() @Nullable('The HTTP status answered; null when there was no answer.') status: number | null;
  @IsString()
  @Nullable('What went wrong: the status and the start of the answer, a timeout, a refused address; null on success.')
  error: string | null;
}

@described('One event sent to one endpoint, retried until it is delivered or its retries run out.')
export class DeliveryView {
  @IsUUID() id: string;
  @IsString() @described('Its `webhook-id`, the same on every attempt: receivers deduplicate on it.') messageId: string;
  @IsIn(WEBHOOK_EVENT_TYPES) eventType: WebhookEventType;
  @IsIn(DELIVERY_STATES)
  @described('`pending` (to be tried, or being tried), `delivered` (a 2xx answer) or `failed` (retries ran out).')
  state: DeliveryState;
  @IsString() @described('The body, exactly as sent and signed.') payload: string;
  @IsISO8601() createdAt: string;
  @IsISO8601() @Nullable('When it is tried next; null unless pending.') nextAttemptAt: string | null;
  @IsISO8601() @Nullable('When a 2xx answered it.') deliveredAt: string | null;
  @IsInt() @Nullable('The status of the last answer.') lastStatus: number | null;
  @IsString() @Nullable('What went wrong last.') lastError: string | null;
  @ArrayOf(AttemptView, 'Every attempt recorded, first first.') attempts: AttemptView[];
}

export class DeliveryPage {
  @ArrayOf(DeliveryView, 'Newest first.') deliveries: DeliveryView[];
  @IsUUID() @Nullable('Pass as `cursor` for the next page; null on the last one.') nextCursor: string | null;
}
