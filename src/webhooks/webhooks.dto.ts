import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  isUUID,
  registerDecorator,
  ValidateIf,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ValidationError } from '../errors/problem';
import { described, Nullable } from '../validation/model-schema';
import { PageSize, validateQuery, validateRequest } from '../validation/validate-request';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-outbox';

const URL_MAX_LENGTH = 2048;
const URL_RULE = `an http or https URL of at most ${URL_MAX_LENGTH} characters, without user or password, fragment or spaces`;

/**
 * Why a URL is not one the service will call, or undefined. The WHATWG parser forgives a lot (it drops
 * tabs and newlines, trims spaces, supplies missing slashes), so the text must be clean and complete
 * before it is parsed: the URL stored is the URL that was sent, normalised, never a guess at it.
 */
function webhookUrlProblem(value: unknown, field = 'url'): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${field} must be ${URL_RULE}`;
  if (value.length > URL_MAX_LENGTH) return `${field} must be at most ${URL_MAX_LENGTH} characters`;
  if (/[\s\p{Cc}\p{Cs}]/u.test(value)) return `${field} must not contain spaces or control characters`;
  if (!/^https?:\/\//i.test(value)) return `${field} must start with http:// or https://`;
  if (!URL.canParse(value)) return `${field} must be ${URL_RULE}`;
  const url = new URL(value);
  if (url.username !== '' || url.password !== '') return `${field} must not carry a user or password`;
  if (value.includes('#')) return `${field} must not have a fragment: it is never sent`;
  if (url.href.length > URL_MAX_LENGTH) return `${field} must be at most ${URL_MAX_LENGTH} characters once normalised`;
  return undefined;
}

const IS_WEBHOOK_URL = 'isWebhookUrl';

function IsWebhookUrl(): PropertyDecorator {
  return (target, key) => {
    registerDecorator({
      name: IS_WEBHOOK_URL,
      target: target.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => webhookUrlProblem(value, String(key)) === undefined,
        defaultMessage: (args) => webhookUrlProblem(args?.value, String(key)) ?? `${String(key)} is invalid`,
      },
    });
    JSONSchema({
      type: 'string',
      format: 'uri',
      maxLength: URL_MAX_LENGTH,
      description:
        `Where deliveries are POSTed: ${URL_RULE}. Addresses on loopback, private or link-local networks are ` +
        'refused unless WEBHOOK_ALLOW_PRIVATE=true, checked again on every connection.',
    })(target, String(key));
  };
}

const EVENT_TYPES_RULE = `one or more of ${WEBHOOK_EVENT_TYPES.join(', ')}, each once`;

function EventTypes(): PropertyDecorator {
  return (target, key) => {
    const message = `${String(key)} must list ${EVENT_TYPES_RULE}`;
    IsArray({ message })(target, key);
    ArrayNotEmpty({ message })(target, key);
    ArrayUnique({ message })(target, key);
    IsIn(WEBHOOK_EVENT_TYPES, { each: true, message })(target, key);
  };
}

/** Shown to operators as typed: up to 200 characters (as PostgreSQL counts them), no control characters. */
const DESCRIPTION_RULE = '1-200 characters, no control characters';
const Description = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  Matches(/^[^\p{Cc}\p{Cs}]{1,200}$/u, { message: `${String(key)} must be ${DESCRIPTION_RULE}` })(target, key);
};

/** Optional, but not nullable: a null here would have no meaning, so it is refused like any wrong value. */
const UnlessAbsent = () => ValidateIf((_dto: object, value: unknown) => value !== undefined);

export class NewWebhookDto {
  @IsDefined() @IsWebhookUrl() url: string;
  @UnlessAbsent()
  @EventTypes()
  @described(`The events it is sent: ${EVENT_TYPES_RULE}. Absent: all of them.`)
  eventTypes?: WebhookEventType[];
  @IsOptional() @Description() @described(`What it is for: ${DESCRIPTION_RULE}.`) description?: string;
}

export class WebhookChangeDto {
  @UnlessAbsent() @IsWebhookUrl() url?: string;
  @UnlessAbsent()
  @EventTypes()
  @described(`The events it is sent: ${EVENT_TYPES_RULE}.`)
  eventTypes?: WebhookEventType[];
  // null removes the description, so only one that is there and not null is held to the rule.
  @ValidateIf((change: WebhookChangeDto) => change.description !== null)
  @IsOptional()
  @Description()
  @Nullable(`The new description (${DESCRIPTION_RULE}); null removes it, absent keeps it.`)
  description?: string | null;
  @UnlessAbsent()
  @IsBoolean({ message: 'enabled must be true or false' })
  @described(
    '`false` stops deliveries: those pending are marked failed. `true` starts them again and clears ' +
      '`disabledReason` and `failingSince`.',
  )
  enabled?: boolean;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

export class DeliveryQueryDto {
  @PageSize(MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE)
  limit?: number;

  @IsOptional()
  @IsIn(DELIVERY_STATES, { message: `state must be one of ${DELIVERY_STATES.join(', ')}` })
  @described('Only deliveries in this state.')
  state?: DeliveryState;

  @IsOptional()
  @IsUUID('all', { message: 'cursor must be a nextCursor this endpoint gave' })
  @described("The previous page's `nextCursor`.")
  cursor?: string;
}

export interface NewWebhook {
  url: string;
  eventTypes: WebhookEventType[];
  description: string | null;
}

/** What a PATCH changes: a field left undefined stays as it is. */
export interface WebhookChange {
  url?: string;
  eventTypes?: WebhookEventType[];
  description?: string | null;
  enabled?: boolean;
}

/** Newest first, after the delivery `after` when given. */
export interface DeliveryQuery {
  limit: number;
  state?: DeliveryState;
  after?: string;
}

/** The URL as the service will call it: normalised by the WHATWG parser (lower-case host, punycode, escapes). */
const normalised = (url: string) => new URL(url).href;

export function parseNewWebhook(body: unknown): NewWebhook {
  const dto = validateRequest(NewWebhookDto, body, 'The webhook is invalid; nothing was created.');
  return {
    url: normalised(dto.url),
    eventTypes: dto.eventTypes ?? [...WEBHOOK_EVENT_TYPES],
    description: dto.description ?? null,
  };
}

export function parseWebhookChange(body: unknown): WebhookChange {
  const dto = validateRequest(WebhookChangeDto, body, 'The change is invalid; nothing was changed.');
  return {
    url: dto.url === undefined ? undefined : normalised(dto.url),
    eventTypes: dto.eventTypes,
    description: dto.description,
    enabled: dto.enabled,
  };
}

export function parseDeliveryQuery(query: unknown): DeliveryQuery {
  const dto = validateQuery(DeliveryQueryDto, query, 'The query is invalid.');
  return { limit: dto.limit ?? DEFAULT_PAGE_SIZE, state: dto.state, after: dto.cursor };
}

/** Endpoint and delivery ids are UUIDs, so a typo is a 400 rather than a 404. */
export function uuidParam(name: string, value: string): string {
  if (!isUUID(value))
    throw new ValidationError(`${name} is not a valid id.`, [{ path: name, message: `${name} must be a UUID` }]);
  return value;
}
