import type * as OpenApi from '../contract/openapi.types';
import { bodyFailures, databaseFailures, jsonBody, jsonResponse, pathParam } from '../contract/operations';
import { problemResponse } from '../contract/problems';
import type { RouteTable } from '../contract/route-table';
import { modelRef, modelSchemas, ref } from '../validation/model-schema';
import {
  DeliveryQueryDto,
  NewWebhookDto,
  parseDeliveryQuery,
  parseNewWebhook,
  parseWebhookChange,
  uuidParam,
  WebhookChangeDto,
} from './webhooks.dto';
import {
  AttemptView,
  CreatedWebhook,
  DeliveryPage,
  DeliveryView,
  RotatedSecret,
  WebhookList,
  WebhookView,
} from './webhooks.responses';
import type { WebhookService } from './webhooks.service';

const idParam: OpenApi.Parameter = pathParam('id', 'The webhook id.', ref('Uuid'));
const notFound = problemResponse('No webhook with this id.', 'not-found');
const badId = problemResponse('The id is not a UUID.', 'validation-error');

// A secret is in these answers only: no cache along the way may keep a copy.
const NO_STORE = 'no-store';

// Webhooks say where the fleet's alarms go and hold the secrets that sign them: operators' business.
export const webhookRoutes: RouteTable<WebhookService> = {
  tag: {
    name: 'webhooks',
    description:
      'Receivers of alarm changes: each change is POSTed to every enabled endpoint that wants its type, signed ' +
      'as the Standard Webhooks spec says, and retried until a 2xx answers (docs/webhooks.md).',
  },
  schemas: modelSchemas(
    NewWebhookDto,
    WebhookChangeDto,
    WebhookView,
    CreatedWebhook,
    WebhookList,
    RotatedSecret,
    AttemptView,
    DeliveryView,
    DeliveryPage,
  ),
  routes: [
    {
      method: 'get',
      path: '/v1/webhooks',
      role: 'admin',
      summary: 'List webhooks',
      responses: { 200: jsonResponse('Every webhook, oldest first.', modelRef(WebhookList)), ...databaseFailures },
      handler: (webhooks) => async (_req, res) => {
        res.json(await webhooks.list());
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks',
      role: 'admin',
      summary: 'Add a webhook',
      description: 'Answers the signing secret, this once; the endpoint is sent the changes that happen from now on.',
      body: jsonBody('Where to send, and which events.', modelRef(NewWebhookDto)),
      responses: {
        201: {
          ...jsonResponse('Added, with its secret.', modelRef(CreatedWebhook)),
          headers: { Location: { description: 'The webhook, `/v1/webhooks/{id}`.', schema: { type: 'string' } } },
        },
        ...bodyFailures,
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        const webhook = await webhooks.create(parseNewWebhook(req.body));
        res.set('Cache-Control', NO_STORE);
        res.status(201).location(`/v1/webhooks/${webhook.id}`).json(webhook);
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks/:id',
      role: 'admin',
      summary: 'A webhook',
      params: [idParam],
      responses: {
        200: jsonResponse('The webhook.', modelRef(WebhookView)),
        400: badId,
        404: notFound,
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        res.json(await webhooks.get(uuidParam('id', req.params.id)));
      },
    },
    {
      method: 'patch',
      path: '/v1/webhooks/:id',
      role: 'admin',
      summary: 'Change, disable or enable a webhook',
      description:
        'Only the fields given change; `description: null` removes it. Disabling fails its pending deliveries; ' +
        'deliveries already made follow a new URL.',
      params: [idParam],
      body: jsonBody('The change.', modelRef(WebhookChangeDto)),
      responses: {
        200: jsonResponse('The webhook as changed.', modelRef(WebhookView)),
        ...bodyFailures,
        404: notFound,
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        res.json(await webhooks.change(uuidParam('id', req.params.id), parseWebhookChange(req.body)));
      },
    },
    {
      method: 'delete',
      path: '/v1/webhooks/:id',
      role: 'admin',
      summary: 'Remove a webhook',
      description: 'With its deliveries and their attempts.',
      params: [idParam],
      responses: { 204: { description: 'Removed.' }, 400: badId, 404: notFound, ...databaseFailures },
      handler: (webhooks) => async (req, res) => {
        await webhooks.remove(uuidParam('id', req.params.id));
        res.status(204).end();
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/:id/rotate-secret',
      role: 'admin',
      summary: "Replace a webhook's secret",
      description:
        'Answers the new secret, this once. For 24 hours deliveries carry two signatures, one with each secret, ' +
        'so the receiver can switch to the new one at its own pace.',
      params: [idParam],
      responses: {
        200: jsonResponse('The new secret.', modelRef(RotatedSecret)),
        400: badId,
        404: notFound,
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        const rotated = await webhooks.rotateSecret(uuidParam('id', req.params.id));
        res.set('Cache-Control', NO_STORE);
        res.json(rotated);
      },
    },
    {
      method: 'get',
      path: '/v1/webhooks/:id/deliveries',
      role: 'admin',
      summary: "A webhook's deliveries",
      description: 'Newest first, in pages, each with its attempts; `state` narrows the list.',
      params: [idParam],
      query: DeliveryQueryDto,
      responses: {
        200: jsonResponse('A page of deliveries.', modelRef(DeliveryPage)),
        400: problemResponse('The id or a parameter is invalid.', 'validation-error'),
        404: notFound,
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        res.json(await webhooks.deliveries(uuidParam('id', req.params.id), parseDeliveryQuery(req.query)));
      },
    },
    {
      method: 'post',
      path: '/v1/webhooks/:id/deliveries/:deliveryId/resend',
      role: 'admin',
      summary: 'Send a delivery again',
      description:
        'Whatever its state, it is pending again and due at once, with the same `webhook-id`, and retried as a ' +
        'new delivery would be.',
      params: [idParam, pathParam('deliveryId', 'The delivery id.', ref('Uuid'))],
      responses: {
        202: jsonResponse('Pending again.', modelRef(DeliveryView)),
        400: problemResponse('An id is not a UUID.', 'validation-error'),
        404: problemResponse('No webhook with this id, or no such delivery of it.', 'not-found'),
        409: problemResponse('The webhook is disabled, or the delivery is being attempted right now.', 'conflict'),
        ...databaseFailures,
      },
      handler: (webhooks) => async (req, res) => {
        const id = uuidParam('id', req.params.id);
        res.status(202).json(await webhooks.resend(id, uuidParam('deliveryId', req.params.deliveryId)));
      },
    },
  ],
};
