import { z } from 'zod';
import '../../shared/zod-openapi';
import { EVENT_TYPES } from '../events/event-types';
import { MAX_URL_LENGTH } from './webhook-destination';

/**
 * The event types a webhook may subscribe to: every type api.md 1.1 names, those the feed
 * emits today (EVENT_TYPES) and those it is to emit (notices and appeals), so that a
 * subscription made now keeps working when they come.
 */
export const WEBHOOK_EVENT_TYPES = [
  ...new Set<string>([...EVENT_TYPES, 'notice.received', 'appeal.received', 'appeal.decided']),
] as [string, ...string[]];

/** The type of a test delivery (POST …/webhooks/{id}/test): not an event of the feed, sent to one webhook only. */
export const PING_TYPE = 'ping';

/** Webhooks one site may have. */
export const MAX_WEBHOOKS_PER_SITE = 10;

export const WEBHOOK_ID = /^wh_[a-f0-9]{24}$/;
export const DELIVERY_ID = /^whd_[a-f0-9]{24}$/;

const url = z
  .string()
  .min(1)
  .max(MAX_URL_LENGTH)
  .regex(/^[^\s\u0000-\u001f\u007f]+$/, 'must not hold white space or control characters')
  .openapi({
    description:
      'Where deliveries are POSTed: https (http too outside production), no user name or password, no fragment; in production it must resolve to public addresses only unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true (400 VALIDATION_FAILED otherwise)',
  });

const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((list) => new Set(list).size === list.length, 'must not name an event type twice')
  .openapi({ uniqueItems: true, description: 'The event types to deliver, each once' });

export const createWebhookBody = z.object({ url, events, enabled: z.boolean().optional() }).strict();

export const patchWebhookBody = z
  .object({ url: url.optional(), events: events.optional(), enabled: z.boolean().optional() })
  .strict();

export const webhookParams = z.object({
  id: z.string().openapi({ description: 'A webhook id (wh_…); any other string is answered 404' }),
});

export const deliveryParams = webhookParams.extend({
  deliveryId: z.string().openapi({ description: 'A delivery id (whd_…); any other string is answered 404' }),
});

/**
 * A position in a webhook's delivery log (newest first): `<milliseconds>.<delivery id>.<attempt>`.
 * Every string of this form is a position, so the pattern is the whole rule.
 */
const ATTEMPT_CURSOR = /^([0-9]{1,15})\.(whd_[a-f0-9]{24})\.([0-9]{1,3})$/;

export const deliveriesQuery = z
  .object({
    cursor: z.string().regex(ATTEMPT_CURSOR, 'not a valid cursor').optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
  })
  .strict();

export function encodeAttemptCursor(at: Date, attemptId: string): string {
  const [deliveryId, n] = attemptId.split(':');
  return `${at.getTime()}.${deliveryId}.${n}`;
}

export function decodeAttemptCursor(raw: string): { at: Date; id: string } {
  const match = ATTEMPT_CURSOR.exec(raw)!;
  return { at: new Date(Number(match[1])), id: `${match[2]}:${match[3]}` };
}

export type CreateWebhookBody = z.infer<typeof createWebhookBody>;
export type PatchWebhookBody = z.infer<typeof patchWebhookBody>;
