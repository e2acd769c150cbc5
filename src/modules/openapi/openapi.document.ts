import '../../shared/zod-openapi';
import { OpenAPIRegistry, OpenApiGeneratorV3, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { createCommentSchema, editCommentSchema, listCommentsQuery, listRepliesQuery } from '../comments/comment.schemas';
import { siteConfigSchema } from '../sites/site.schemas';
import { banBody, decisionBody } from '../moderation/moderation.routes';
import { reportBody } from '../reports/report.routes';
import { adminSubjectBody } from '../privacy/privacy.routes';
import { ERROR_STATUS } from '../../http/errors';

/**
 * The OpenAPI description of every endpoint, built from the same zod schemas that
 * validate requests, so the document cannot drift from what the code accepts.
 */
export function buildOpenApiDocument(publicUrl: string): object {
  const registry = new OpenAPIRegistry();
  const commenterJwt = registry.registerComponent('securitySchemes', 'commenterJwt', {
    type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
    description: "The host site's JWT for a commenter (aud = site id); roles moderator/admin grant moderation.",
  });
  const adminKey = registry.registerComponent('securitySchemes', 'adminKey', {
    type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY',
  });
  const errorSchema = z.object({
    error: z.object({ code: z.enum(Object.keys(ERROR_STATUS) as [string, ...string[]]), message: z.string(), details: z.record(z.unknown()) }),
  });
  const comment = z.object({
    id: z.string(), thread: z.string(), parentId: z.string().nullable(),
    author: z.object({ name: z.string() }).nullable(), body: z.string(),
    status: z.enum(['pending', 'published', 'rejected', 'removed']),
    createdAt: z.string(), editedAt: z.string().nullable(), mine: z.boolean(),
  });
  /** A top-level comment on a comment page: its first replies, and where the rest start. */
  const topComment = comment.extend({ replies: z.array(comment), repliesCursor: z.string().nullable() });
  const siteParam = z.object({ site: z.string().regex(/^[a-z0-9-]{1,64}$/) });
  const idParam = z.object({ id: z.string() });
  const json = (schema: z.ZodTypeAny, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  const errors = { default: json(errorSchema, 'An error in the shape of api.md') };
  const jwt = [{ [commenterJwt.name]: [] }];
  const admin = [{ [adminKey.name]: [] }];
  const anything = z.object({}).passthrough();
  const body = (schema: z.ZodTypeAny) => ({ content: { 'application/json': { schema } } });
  const erasureRequest = z.object({
    id: z.string(), site: z.string(), status: z.enum(['scheduled', 'running', 'completed', 'cancelled']),
    requestedBy: z.enum(['subject', 'admin']), createdAt: z.string(), dueAt: z.string(), runAfter: z.string(),
    completedAt: z.string().nullable(), receipt: z.record(z.number()).nullable(), overdue: z.boolean(),
    receiptToken: z.string().optional(),
  });

  const paths: RouteConfig[] = [
    { method: 'get', path: '/api/v1/sites/{site}/thread', summary: 'Thread state and what the widget needs; include=comments adds the first page of comments (one request per thread view)', request: { params: siteParam, query: z.object({ key: z.string(), include: z.enum(['comments']).optional(), sort: z.enum(['oldest', 'newest']).optional(), limit: z.number().optional() }) }, responses: { 200: json(anything), ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/counts', summary: 'Status and published-comment count of up to 50 threads (key repeated: ?key=a&key=b), in the order asked; for article lists (count.js)', request: { params: siteParam, query: z.object({ key: z.array(z.string()).max(50) }) }, responses: { 200: json(z.object({ threads: z.array(z.object({ key: z.string(), status: z.enum(['open', 'closed']), commentCount: z.number() })) })), ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/comments', summary: 'Published comments (and the caller’s own pending ones)', request: { params: siteParam, query: listCommentsQuery }, responses: { 200: json(z.object({ comments: z.array(topComment), nextCursor: z.string().nullable() })), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/comments', summary: 'Write a comment (Idempotency-Key header optional)', security: jwt, request: { params: siteParam, headers: z.object({ 'idempotency-key': z.string().optional() }), body: { content: { 'application/json': { schema: createCommentSchema } } } }, responses: { 201: json(z.object({ comment }), 'Created, status pending'), ...errors } },
    { method: 'patch', path: '/api/v1/comments/{id}', summary: 'Edit own comment inside the edit window', security: jwt, request: { params: idParam, body: { content: { 'application/json': { schema: editCommentSchema } } } }, responses: { 200: json(z.object({ comment })), ...errors } },
    { method: 'delete', path: '/api/v1/comments/{id}', summary: 'Delete own comment', security: jwt, request: { params: idParam }, responses: { 204: { description: 'Deleted' }, ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/me', summary: 'The commenter’s profile', security: jwt, request: { params: siteParam }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/moderation/threads/close', summary: 'Close a thread', security: jwt, request: { params: siteParam, body: { content: { 'application/json': { schema: z.object({ thread: z.string(), reason: z.string().optional() }) } } } }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/moderation/threads/reopen', summary: 'Reopen a thread', security: jwt, request: { params: siteParam, body: { content: { 'application/json': { schema: z.object({ thread: z.string() }) } } } }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/comments/{id}/reports', summary: 'Report a comment (once per reader; not your own)', security: jwt, request: { params: idParam, body: body(reportBody) }, responses: { 201: json(anything, 'Reported'), ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/moderation/queues', summary: 'Queue counts', security: jwt, request: { params: siteParam }, responses: { 200: json(z.object({ pending: z.number(), reported: z.number(), rejected: z.number(), approved: z.number() })), ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/moderation/queues/{queue}', summary: 'Queue items oldest first: comment, thread, author with history, rules fired, reports, version', security: jwt, request: { params: siteParam.extend({ queue: z.enum(['pending', 'reported', 'rejected', 'approved']) }), query: z.object({ cursor: z.string().optional(), limit: z.number().optional(), thread: z.string().optional() }) }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/moderation/comments/{id}/decision', summary: 'Approve or reject; a stale version gets 409 ALREADY_DECIDED', security: jwt, request: { params: siteParam.extend({ id: z.string() }), body: body(decisionBody) }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/moderation/users/{sub}/ban', summary: 'Ban a commenter, optionally until a date', security: jwt, request: { params: siteParam.extend({ sub: z.string() }), body: body(banBody) }, responses: { 201: json(anything, 'Banned'), ...errors } },
    { method: 'delete', path: '/api/v1/sites/{site}/moderation/users/{sub}/ban', summary: 'Lift a ban', security: jwt, request: { params: siteParam.extend({ sub: z.string() }) }, responses: { 204: { description: 'Lifted' }, ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/moderation/log', summary: 'The append-only moderation log, newest first', security: jwt, request: { params: siteParam, query: z.object({ cursor: z.string().optional(), limit: z.number().optional() }) }, responses: { 200: json(anything), ...errors } },
    { method: 'get', path: '/api/v1/sites/{site}/me/export', summary: 'Everything stored about the commenter, as a JSON download', security: jwt, request: { params: siteParam }, responses: { 200: json(anything), ...errors } },
    { method: 'post', path: '/api/v1/sites/{site}/me/erasure', summary: 'Request erasure of everything stored about the commenter', security: jwt, request: { params: siteParam }, responses: { 202: json(erasureRequest, 'Accepted, with a receipt token'), ...errors } },
    { method: 'get', path: '/api/v1/erasure-requests/{id}', summary: 'Status and, when completed, the receipt; works after the account is gone', request: { params: idParam, query: z.object({ token: z.string() }) }, responses: { 200: json(erasureRequest), ...errors } },
    { method: 'delete', path: '/api/v1/erasure-requests/{id}', summary: 'Cancel while inside the site\'s grace period', request: { params: idParam, query: z.object({ token: z.string() }) }, responses: { 200: json(erasureRequest), ...errors } },
    { method: 'post', path: '/api/v1/admin/sites/{site}/erasure-requests', summary: 'File an erasure request on someone\'s behalf, by host user id or email', security: admin, request: { params: siteParam, body: body(adminSubjectBody) }, responses: { 202: json(erasureRequest.extend({ requests: z.array(erasureRequest) })), ...errors } },
    { method: 'post', path: '/api/v1/admin/sites/{site}/exports', summary: 'Export everything stored about a subject, by host user id or email (one export per matching profile), for access requests that arrive by mail', security: admin, request: { params: siteParam, body: body(adminSubjectBody) }, responses: { 200: json(z.object({ exports: z.array(anything) })), ...errors } },
    { method: 'get', path: '/api/v1/admin/erasure-requests', summary: 'Erasure requests by status, or the overdue ones', security: admin, request: { query: z.object({ status: z.enum(['scheduled', 'running', 'completed', 'cancelled']).optional(), overdue: z.enum(['true', 'false']).optional(), site: z.string().optional() }) }, responses: { 200: json(z.object({ requests: z.array(erasureRequest) })), ...errors } },
    { method: 'get', path: '/api/v1/admin/sites', summary: 'Every site, by id (secrets left out)', security: admin, responses: { 200: json(z.object({ sites: z.array(anything) })), ...errors } },
    { method: 'put', path: '/api/v1/admin/sites/{site}', summary: 'Create or replace a site', security: admin, request: { params: siteParam, body: { content: { 'application/json': { schema: siteConfigSchema } } } }, responses: { 200: json(anything), 201: json(anything, 'Created'), ...errors } },
    { method: 'get', path: '/api/v1/admin/sites/{site}', summary: 'Read a site (secrets left out)', security: admin, request: { params: siteParam }, responses: { 200: json(anything), ...errors } },
    { method: 'patch', path: '/api/v1/admin/sites/{site}', summary: 'Change part of a site', security: admin, request: { params: siteParam, body: { content: { 'application/json': { schema: anything } } } }, responses: { 200: json(anything), ...errors } },
    { method: 'get', path: '/healthz', summary: 'Liveness', responses: { 200: json(anything) } },
    { method: 'get', path: '/readyz', summary: 'Readiness: MongoDB and Redis reachable', responses: { 200: json(anything), 503: json(anything, 'Not ready') } },
    { method: 'get', path: '/metrics', summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition format' } } },
    { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: json(anything) } },
    { method: 'get', path: '/embed.js', summary: 'The embeddable widget (one script tag on the host page)', responses: { 200: { description: 'JavaScript' } } },
    { method: 'get', path: '/count.js', summary: 'Comment counts for article lists: fills elements with data-kommentarer-count', responses: { 200: { description: 'JavaScript' } } },
    { method: 'get', path: '/moderate', summary: 'The moderators\' web page', responses: { 200: { description: 'HTML' } } },
    { method: 'get', path: '/demo', summary: 'A demo article page with the widget', responses: { 200: { description: 'HTML' } } },
    { method: 'get', path: '/demo/token', summary: 'The demo\'s pretend host login (off in production unless DEMO_LOGIN=true)', request: { query: z.object({ role: z.enum(['commenter', 'moderator']), site: z.string().optional() }) }, responses: { 200: json(z.object({ token: z.string(), expiresIn: z.number(), site: z.string(), role: z.string() })), ...errors } },
  ];
  // A comment's replies past the first ones a comment page shows.
  paths.push({
    method: 'get', path: '/api/v1/sites/{site}/comments/{id}/replies',
    summary: 'A top-level comment\'s replies, oldest first, paged from its repliesCursor (the caller\'s own pending ones included when logged in)',
    request: { params: siteParam.extend({ id: z.string() }), query: listRepliesQuery },
    responses: { 200: json(z.object({ replies: z.array(comment), nextCursor: z.string().nullable() })), ...errors },
  });
  for (const path of paths) registry.registerPath(path);

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: 'Kommentarer API', version: '1.0.0', description: 'Embeddable comments built for moderation and privacy. Errors: { error: { code, message, details } }.' },
    servers: [{ url: publicUrl }],
  });
}
