import '../../shared/zod-openapi';
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BODY_ERRORS, errorResponses } from '../openapi/openapi.errors';
import { objectIdString } from '../comments/comment.schemas';
import { appealBody, appealDecisionBody } from './appeal.schemas';

const isoDate = z.string().openapi({ format: 'date-time' });
const created = z.object({ appeal: z.object({ id: z.string(), status: z.literal('open') }) });
const statement = z.object({
  id: z.string(),
  status: z.enum(['open', 'decided']),
  outcome: z.enum(['upheld', 'reversed']).nullable(),
  reasonId: z.string().nullable(),
  decidedAt: isoDate.nullable(),
});
const banStatement = z.object({
  ban: z
    .object({
      reasonId: z.string().nullable(),
      until: isoDate.nullable(),
      at: isoDate,
      appealUntil: isoDate.nullable().openapi({ description: 'Null once appealed, or when the window has passed' }),
      appeal: statement.nullable(),
    })
    .nullable(),
});
const decided = z.object({
  appeal: z.object({
    id: z.string(),
    about: z.enum(['comment', 'ban']),
    status: z.literal('decided'),
    outcome: z.enum(['upheld', 'reversed']),
    reasonId: z.string().nullable(),
    decidedAt: isoDate,
  }),
});

/** The appeal endpoints as the OpenAPI document lists them (openapi.document.ts adds them). */
export function appealPaths(h: {
  json: (schema: z.ZodTypeAny, description?: string) => ResponseConfig;
  body: (schema: z.ZodTypeAny) => { required: boolean; content: Record<string, { schema: z.ZodTypeAny }> };
  site: z.AnyZodObject;
  jwt: Array<Record<string, string[]>>;
}): RouteConfig[] {
  const { json, body, site, jwt } = h;
  const id = z.object({ id: objectIdString.openapi({ description: 'Any other string is answered 404' }) });
  return [
    {
      method: 'post',
      path: '/api/v1/comments/{id}/appeal',
      security: jwt,
      summary: "The author's appeal of their comment's rejection or removal, once per decision",
      description:
        'Within the site’s `appeals.windowDays` of the decision: 409 APPEAL_TOO_LATE after. A second appeal of the same decision: 409 CONFLICT. A comment that is not rejected or removed by a moderator: 409 NOT_APPEALABLE. Someone else’s comment: 403 FORBIDDEN.',
      request: { params: id, body: body(appealBody) },
      responses: { 201: json(created, 'Appealed'), ...errorResponses(...BODY_ERRORS, 401, 403, 404, 409, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/me/ban',
      security: jwt,
      summary: 'The ban in force for the reader, with its reason and appeal (null when not banned)',
      request: { params: site },
      responses: { 200: json(banStatement), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/me/ban/appeal',
      security: jwt,
      summary: "A banned commenter's appeal of the ban in force, once per ban",
      description:
        'Without a ban in force: 409 NOT_APPEALABLE. Past the window: 409 APPEAL_TOO_LATE. A second appeal: 409 CONFLICT.',
      request: { params: site, body: body(appealBody) },
      responses: { 201: json(created, 'Appealed'), ...errorResponses(...BODY_ERRORS, 401, 404, 409, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/appeals/{id}/decision',
      security: jwt,
      summary: 'Uphold or reverse the decision appealed (moderators other than the one who made it)',
      description:
        'Upholding names one of the site’s reasons (`reasonId`): 422 REASON_REQUIRED without one. The moderator who made the decision: 409 SAME_MODERATOR (an automated decision: any moderator). Decided already, or by another moderator at the same moment: 409 ALREADY_DECIDED. A reversal publishes the comment again or lifts the ban.',
      request: { params: site.merge(id), body: body(appealDecisionBody) },
      responses: { 200: json(decided), ...errorResponses(...BODY_ERRORS, 401, 403, 404, 409, 422, 503) },
    },
  ];
}
