import '../../shared/zod-openapi';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses } from '../openapi/openapi.errors';
import {
  createWebhookBody,
  deliveriesQuery,
  deliveryParams,
  patchWebhookBody,
  WEBHOOK_EVENT_TYPES,
  webhookParams,
} from './webhook.schemas';

const isoDate = z.string().openapi({ format: 'date-time' });

const webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z
    .boolean()
    .openapi({ description: 'False when the admin disabled it or the workers did, for failing for days' }),
  disabledReason: z.enum(['by_admin', 'failing']).nullable(),
  failingSince: isoDate.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
});

const attempt = z.object({
  id: z.string().openapi({ description: '<deliveryId>:<attempt>' }),
  deliveryId: z.string(),
  eventId: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  status: z
    .union([z.number().int(), z.enum(['timeout', 'error', 'refused', 'lost', 'cancelled'])])
    .nullable()
    .openapi({
      description:
        "The receiver's HTTP status; timeout; error (no answer); refused (the destination failed its check, nothing was sent); lost (the worker died, the next attempt took over); cancelled (the webhook was removed or disabled); null while under way",
    }),
  durationMs: z.number().int().nullable(),
  at: isoDate,
  nextAttemptAt: isoDate.nullable().openapi({ description: 'null when this was the last attempt' }),
});

const delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  type: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
});

/** The webhook endpoints as the OpenAPI document lists them (openapi.document.ts adds them). */
export function webhookPaths(h: {
  json: (schema: z.ZodTypeAny, description?: string) => ResponseConfig;
  body: (schema: z.ZodTypeAny) => { required: boolean; content: Record<string, { schema: z.ZodTypeAny }> };
  site: z.AnyZodObject;
  admin: Array<Record<string, string[]>>;
}): RouteConfig[] {
  const { json, body, site, admin } = h;
  const base = '/api/v1/admin/sites/{site}/webhooks';
  const one = site.merge(webhookParams);
  return [
    {
      method: 'post',
      path: base,
      security: admin,
      summary: 'Create a webhook; its signing secret is shown this once',
      description:
        'The url must be https in production (http too otherwise), without user name, password or fragment, and in production resolve to public addresses only unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true: 400 VALIDATION_FAILED otherwise. At most 10 per site: 409 CONFLICT (too_many_webhooks).',
      request: { params: site, body: body(createWebhookBody) },
      responses: {
        201: json(z.object({ webhook: webhook.extend({ secret: z.string() }) }), 'Created'),
        ...errorResponses(...BODY_ERRORS, 401, 404, 409, 503),
      },
    },
    {
      method: 'get',
      path: base,
      security: admin,
      summary: "The site's webhooks, without secrets",
      request: { params: site },
      responses: { 200: json(z.object({ webhooks: z.array(webhook) })), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'get',
      path: `${base}/{id}`,
      security: admin,
      summary: 'One webhook, without its secrets',
      request: { params: one },
      responses: { 200: json(z.object({ webhook })), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'patch',
      path: `${base}/{id}`,
      security: admin,
      summary: 'Change url, events or enabled; enabling again also lifts a disabling for failure',
      description: 'The url is checked as at creation: 400 VALIDATION_FAILED when refused.',
      request: { params: one, body: body(patchWebhookBody) },
      responses: { 200: json(z.object({ webhook })), ...errorResponses(...BODY_ERRORS, 401, 404, 503) },
    },
    {
      method: 'delete',
      path: `${base}/{id}`,
      security: admin,
      summary: 'Remove a webhook; its pending deliveries are cancelled',
      request: { params: one },
      responses: { 204: { description: 'Removed' }, ...errorResponses(...BODY_ERRORS, 401, 404, 503) },
    },
    {
      method: 'post',
      path: `${base}/{id}/rotate-secret`,
      security: admin,
      summary: 'A new signing secret, shown this once; the old one keeps signing (a second v1=) for 24 hours',
      request: { params: one },
      responses: { 200: json(z.object({ secret: z.string() })), ...errorResponses(...BODY_ERRORS, 401, 404, 503) },
    },
    {
      method: 'post',
      path: `${base}/{id}/test`,
      security: admin,
      summary:
        'Send a test delivery of type ping to this webhook alone (data: { webhookId }); sent even while it is disabled',
      request: { params: one },
      responses: {
        202: json(z.object({ delivery }), 'Accepted: sent by a worker shortly'),
        ...errorResponses(...BODY_ERRORS, 401, 404, 503),
      },
    },
    {
      method: 'get',
      path: `${base}/{id}/deliveries`,
      security: admin,
      summary: 'The delivery log: one entry per attempt, newest first (no bodies)',
      request: { params: one, query: deliveriesQuery },
      responses: {
        200: json(z.object({ deliveries: z.array(attempt), nextCursor: z.string().nullable() })),
        ...errorResponses(400, 401, 404, 503),
      },
    },
    {
      method: 'post',
      path: `${base}/{id}/deliveries/{deliveryId}/redeliver`,
      security: admin,
      summary: 'Send the same event (same event id) again, as a new delivery',
      description: '404 when the delivery is unknown or its event has been deleted by retention.',
      request: { params: site.merge(deliveryParams) },
      responses: {
        202: json(z.object({ delivery }), 'Accepted: sent by a worker shortly'),
        ...errorResponses(...BODY_ERRORS, 401, 404, 503),
      },
    },
  ];
}
