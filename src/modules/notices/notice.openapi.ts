import '../../shared/zod-openapi';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses } from '../openapi/openapi.errors';
import { noticeBody, noticeDecisionBody, noticeTokenQuery } from './notice.schemas';

const isoDate = z.string().openapi({ format: 'date-time' });
const objectId = z.string().regex(/^[a-f0-9]{24}$/);
const noticeId = z.object({
  id: z.string().openapi({ description: 'A notice id (24 hex digits); any other string is answered 404' }),
});
const status = z.enum(['received', 'decided']);
const decision = z.object({
  action: z.enum(['removed', 'no_action']),
  reasonId: z.string().nullable(),
  at: isoDate,
});

/** A notice as the moderators see it: the explanation, not who sent it. */
export const moderatorNotice = z.object({
  kind: z.literal('notice'),
  id: objectId,
  status,
  reasonId: z.string(),
  explanation: z.string().nullable().openapi({ description: "The notifier's words; null once erased" }),
  createdAt: isoDate,
  decision: decision.nullable(),
  notifier: z
    .object({ named: z.boolean(), email: z.boolean() })
    .openapi({ description: 'Whether the notifier gave a name and an address; never which' }),
  openNoticesOnComment: z.number().int().min(0),
  comment: z
    .object({
      id: objectId,
      body: z.string(),
      status: z.string(),
      thread: z.string(),
      createdAt: isoDate,
      author: z.object({ name: z.string() }).nullable(),
    })
    .nullable()
    .openapi({
      description: 'null once the comment is gone (removed or deleted): the notice stays as the case record',
    }),
});

/** The notice endpoints as the OpenAPI document lists them (openapi.document.ts adds them). */
export function noticePaths(h: {
  json: (schema: z.ZodTypeAny, description?: string) => ResponseConfig;
  body: (schema: z.ZodTypeAny) => { required: boolean; content: Record<string, { schema: z.ZodTypeAny }> };
  site: z.AnyZodObject;
  jwt: Array<Record<string, string[]>>;
}): RouteConfig[] {
  const { json, body, site, jwt } = h;
  return [
    {
      method: 'post',
      path: '/api/v1/sites/{site}/notices',
      summary: 'Send a notice of illegal content about a published comment (no login; DSA Art. 16)',
      description:
        '`reasonId` must be one of the site’s reasons of kind `illegal` (GET …/reasons): 422 REASON_REQUIRED otherwise, with the ids allowed in details. ' +
        'An explanation of white space only is 400 VALIDATION_FAILED. A comment that is not published (or not on the site) is 404. ' +
        'At most rateLimits.noticesPerIpPerHour per sender and noticesPerCommentPerHour per comment: 429 with Retry-After. ' +
        'The same notifier (by address, else by IP) with an open notice about the comment: 409 CONFLICT (already_noticed). ' +
        'The token reads the notice’s status and is shown this once.',
      request: { params: site, body: body(noticeBody) },
      responses: {
        201: json(
          z.object({ notice: z.object({ id: objectId, status: z.literal('received') }), token: z.string() }),
          'Received',
        ),
        ...errorResponses(...BODY_ERRORS, 404, 409, 422, 429, 503),
      },
    },
    {
      method: 'get',
      path: '/api/v1/notices/{id}',
      summary: 'A notice’s status and decision, with its token (no login); no personal data of anyone',
      description: 'A wrong or missing token, or an unknown id, is 404 NOT_FOUND alike.',
      request: { params: noticeId, query: noticeTokenQuery },
      responses: {
        200: json(
          z.object({
            notice: z.object({
              id: objectId,
              status,
              reasonId: z.string(),
              createdAt: isoDate,
              decision: decision.optional(),
            }),
          }),
        ),
        ...errorResponses(400, 404, 503),
      },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/notices/{id}/decision',
      security: jwt,
      summary:
        'Decide a notice (moderators): remove the comment, or no action; every open notice about the comment is decided alike',
      description:
        '`remove` names one of the site’s reasons (`reasonId`): 422 REASON_REQUIRED without one; `no_action` may name one. ' +
        'A notice decided already (also by another moderator at the same moment) is 409 ALREADY_DECIDED.',
      request: { params: site.merge(noticeId), body: body(noticeDecisionBody) },
      responses: {
        200: json(z.object({ notice: moderatorNotice })),
        ...errorResponses(...BODY_ERRORS, 401, 403, 404, 409, 422, 503),
      },
    },
  ];
}
