import '../../shared/zod-openapi';
import { OpenAPIRegistry, OpenApiGeneratorV3, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  createCommentSchema,
  editCommentSchema,
  idempotencyKeySchema,
  listCommentsQuery,
  listRepliesQuery,
  objectIdString,
  removeCommentQuery,
} from '../comments/comment.schemas';
import { siteConfigSchema } from '../sites/site.schemas';
import { banBody, subParam } from '../bans/ban.schemas';
import { logQuery } from '../moderation-log/moderation-log.schemas';
import { decisionBody, REVIEW_QUEUES, reviewQueueQuery } from '../moderation/moderation.schemas';
import { CASE_QUEUES } from '../moderation/case-queue';
import { reportBody } from '../reports/report.schemas';
import { adminSubjectBody, erasureListQuery, tokenQuery } from '../privacy/privacy.schemas';
import { closeBody, includeQuery, MAX_COUNT_KEYS, reopenBody } from '../threads/thread.schemas';
import { demoPageQuery, demoTokenQuery, noticeStatusPageQuery } from '../widget/widget.schemas';
import { mailChoicesBody, unsubscribeForm, unsubscribeQuery } from '../notifications/mail-subscription.schemas';
import { webhookPaths } from '../webhooks/webhook.openapi';
import { appealPaths } from '../appeals/appeal.openapi';
import { transparencyPaths } from '../transparency/transparency.openapi';
import { noticePaths } from '../notices/notice.openapi';
import { siteIdSchema, threadKeySchema } from '../../shared/safe-text';
import { catalogueSchema, reasonSchema } from '../reasons/reason.schemas';
import { BODY_ERRORS, errorResponses } from './openapi.errors';
import * as view from './openapi.views';

/** The routes as the document lists them: one entry per path and method. */
export type OpenApiDocument = { paths: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/**
 * The OpenAPI description of every endpoint, built from the same zod schemas that
 * validate requests, so the document cannot drift from what the code accepts. Its paths
 * are also where the 405 answers take their Allow header from (src/http/method-not-allowed.ts).
 * The contract in words is docs/api.md.
 */
export function buildOpenApiDocument(publicUrl: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const commenterJwt = registry.registerComponent('securitySchemes', 'commenterJwt', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "The host site's JWT for a commenter (aud = site id); roles moderator/admin grant moderation.",
  });
  const adminKey = registry.registerComponent('securitySchemes', 'adminKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_API_KEY',
  });
  const jwt = [{ [commenterJwt.name]: [] }];
  const admin = [{ [adminKey.name]: [] }];

  const json = (schema: z.ZodTypeAny, description = 'OK'): ResponseConfig => ({
    description,
    content: { 'application/json': { schema } },
  });
  const text = (type: string, description: string): ResponseConfig => ({
    description,
    content: { [type]: { schema: z.string() } },
  });
  const body = (schema: z.ZodTypeAny) => ({ required: true, content: { 'application/json': { schema } } });
  const site = z.object({ site: siteIdSchema });
  const commentId = z.object({
    id: objectIdString.openapi({ description: 'A comment id; any other string is answered 404' }),
  });
  const requestId = z.object({ id: z.string() });
  const limitOf = (max: number) => z.number().int().min(1).max(max);
  const listQuery = listCommentsQuery.extend({
    limit: limitOf(100).optional(),
    sort: listCommentsQuery.shape.sort.removeDefault().optional(),
  });
  const withBody = BODY_ERRORS;

  const paths: RouteConfig[] = [
    {
      method: 'get',
      path: '/api/v1/sites/{site}/thread',
      summary:
        'Thread state and what the widget needs; include=comments adds the first page of comments (one request per thread view)',
      description: '`key` names the thread (`thread` is accepted for it too). An unknown key is an open, empty thread.',
      request: {
        params: site,
        query: z.object({
          key: threadKeySchema,
          include: includeQuery.shape.include,
          sort: listQuery.shape.sort,
          limit: listQuery.shape.limit,
        }),
      },
      responses: {
        200: json(
          z.object({
            thread: view.threadState,
            site: view.widgetSite,
            comments: view.commentPage.comments.optional(),
            nextCursor: view.commentPage.nextCursor.optional(),
          }),
        ),
        ...errorResponses(400, 404, 503),
      },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/counts',
      summary: `Status and published-comment count of up to ${MAX_COUNT_KEYS} threads (key repeated: ?key=a&key=b), in the order asked; for article lists (count.js)`,
      request: { params: site, query: z.object({ key: z.array(threadKeySchema).min(1).max(MAX_COUNT_KEYS) }) },
      responses: { 200: json(view.threadCounts), ...errorResponses(400, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/comments',
      summary: 'Published comments with their replies (and the caller’s own pending ones)',
      request: { params: site, query: listQuery },
      responses: { 200: json(z.object(view.commentPage)), ...errorResponses(400, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/comments/{id}/replies',
      summary:
        "A top-level comment's replies, oldest first, paged from its repliesCursor (the caller's own pending ones included when logged in)",
      request: { params: site.merge(commentId), query: listRepliesQuery.extend({ limit: limitOf(100).optional() }) },
      responses: { 200: json(z.object(view.replyPage)), ...errorResponses(400, 404, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/comments',
      security: jwt,
      summary: 'Write a comment; it is pending until moderated',
      description:
        "The text is limited by the site's maxLength (user-perceived characters after trimming; 422 COMMENT_TOO_LONG). " +
        'A repeat with the same Idempotency-Key by the same commenter answers the first comment with Idempotent-Replayed: true.',
      request: {
        params: site,
        headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
        body: body(createCommentSchema),
      },
      responses: {
        201: {
          ...json(z.object({ comment: view.commentView }), 'Created, status pending'),
          headers: z.object({ 'Idempotent-Replayed': z.literal('true').optional() }),
        },
        ...errorResponses(...withBody, 401, 403, 404, 409, 422, 429, 503),
      },
    },
    {
      method: 'patch',
      path: '/api/v1/comments/{id}',
      security: jwt,
      summary: 'Edit own comment inside the edit window; it is moderated again',
      request: { params: commentId, body: body(editCommentSchema) },
      responses: {
        200: json(z.object({ comment: view.commentView })),
        ...errorResponses(...withBody, 401, 403, 404, 409, 422, 429, 503),
      },
    },
    {
      method: 'delete',
      path: '/api/v1/comments/{id}',
      security: jwt,
      summary: 'Delete own comment (moderators: any); with replies it stays as a tombstone',
      description:
        'A moderator removing someone else’s comment names the site’s reason: 422 REASON_REQUIRED without one.',
      request: { params: commentId, query: removeCommentQuery },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(...withBody, 401, 403, 404, 422, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/me',
      security: jwt,
      summary: 'The commenter’s profile: from the token, and what is stored',
      request: { params: site },
      responses: { 200: json(view.me), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/me/mail',
      security: jwt,
      summary: "The commenter's mail choices (replies, decisions) and whether mail is offered to them at all",
      request: { params: site },
      responses: { 200: json(view.mailChoices), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'patch',
      path: '/api/v1/sites/{site}/me/mail',
      security: jwt,
      summary: 'Opt into or out of mail about replies and decisions; a choice left out keeps its value',
      description:
        'Turning mail on needs the site to allow it (notifications.commenterMails), mail to be configured and the ' +
        'token to carry an email: 403 FORBIDDEN with details.reason no_email, site_off or mail_off otherwise. ' +
        'Turning mail off always works.',
      request: { params: site, body: body(mailChoicesBody) },
      responses: { 200: json(view.mailChoices), ...errorResponses(...withBody, 401, 403, 404, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/threads/close',
      security: jwt,
      summary: 'Close a thread (moderators)',
      request: { params: site, body: body(closeBody) },
      responses: {
        200: json(z.object({ thread: view.threadState })),
        ...errorResponses(...withBody, 401, 403, 404, 503),
      },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/threads/reopen',
      security: jwt,
      summary: 'Reopen a thread (moderators); it is then exempt from auto-closing',
      request: { params: site, body: body(reopenBody) },
      responses: {
        200: json(z.object({ thread: view.threadState })),
        ...errorResponses(...withBody, 401, 403, 404, 503),
      },
    },
    {
      method: 'post',
      path: '/api/v1/comments/{id}/reports',
      security: jwt,
      summary: 'Report a published comment (once per reader; not your own)',
      request: { params: commentId, body: body(reportBody) },
      responses: { 201: json(view.report, 'Reported'), ...errorResponses(...withBody, 401, 403, 404, 409, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/moderation/queues',
      security: jwt,
      summary: 'Queue counts (moderators)',
      request: { params: site },
      responses: { 200: json(view.queueCounts), ...errorResponses(401, 403, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/moderation/queues/{queue}',
      security: jwt,
      summary:
        'Queue items oldest first: comment, thread, author with history, rules fired, reports, version (moderators)',
      request: {
        params: site.extend({ queue: z.enum([...REVIEW_QUEUES, ...CASE_QUEUES]) }),
        query: reviewQueueQuery.extend({ limit: limitOf(100).optional() }),
      },
      responses: { 200: json(view.queuePage), ...errorResponses(400, 401, 403, 404, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/comments/{id}/decision',
      security: jwt,
      summary: 'Approve or reject (moderators); a stale version gets 409 ALREADY_DECIDED',
      description: 'A rejection names one of the site’s reasons (`reasonId`): 422 REASON_REQUIRED without one.',
      request: { params: site.merge(commentId), body: body(decisionBody) },
      responses: { 200: json(view.decision), ...errorResponses(...withBody, 401, 403, 404, 409, 422, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/moderation/users/{sub}/ban',
      security: jwt,
      summary: 'Ban a commenter, optionally until a date in the future (moderators)',
      description:
        '`until` must lie in the future: 400 VALIDATION_FAILED otherwise. A ban names one of the site’s reasons (`reasonId`): 422 REASON_REQUIRED without one.',
      request: { params: site.extend({ sub: subParam }), body: body(banBody) },
      responses: { 201: json(view.ban, 'Banned'), ...errorResponses(...withBody, 401, 403, 404, 422, 503) },
    },
    {
      method: 'delete',
      path: '/api/v1/sites/{site}/moderation/users/{sub}/ban',
      security: jwt,
      summary: 'Lift a ban (moderators)',
      request: { params: site.extend({ sub: subParam }) },
      responses: { 204: { description: 'Lifted' }, ...errorResponses(...withBody, 401, 403, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/moderation/log',
      security: jwt,
      summary: 'The append-only moderation log, newest first (moderators)',
      request: { params: site, query: logQuery.extend({ limit: limitOf(200).optional() }) },
      responses: { 200: json(view.logPage), ...errorResponses(400, 401, 403, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/me/export',
      security: jwt,
      summary: 'Everything stored about the commenter, as a JSON download',
      request: { params: site },
      responses: { 200: json(view.subjectExport), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/sites/{site}/me/erasure',
      security: jwt,
      summary: 'Request erasure of everything stored about the commenter',
      request: { params: site },
      responses: {
        202: json(view.erasureWithReceipt, 'Accepted, with a receipt token'),
        ...errorResponses(...withBody, 401, 404, 409, 429, 503),
      },
    },
    {
      method: 'get',
      path: '/api/v1/erasure-requests/{id}',
      summary: 'Status and, when completed, the receipt; works after the account is gone',
      request: { params: requestId, query: tokenQuery },
      responses: { 200: json(view.erasureRequest), ...errorResponses(400, 404, 503) },
    },
    {
      method: 'delete',
      path: '/api/v1/erasure-requests/{id}',
      summary: "Cancel while inside the site's grace period",
      request: { params: requestId, query: tokenQuery },
      responses: { 200: json(view.erasureRequest), ...errorResponses(...withBody, 404, 409, 503) },
    },
    {
      method: 'post',
      path: '/api/v1/admin/sites/{site}/erasure-requests',
      security: admin,
      summary: "File an erasure request on someone's behalf, by host user id or email",
      request: { params: site, body: body(adminSubjectBody) },
      responses: {
        202: json(view.erasureWithReceipt.extend({ requests: z.array(view.erasureWithReceipt) })),
        ...errorResponses(...withBody, 401, 404, 409, 503),
      },
    },
    {
      method: 'post',
      path: '/api/v1/admin/sites/{site}/exports',
      security: admin,
      summary:
        'Export everything stored about a subject, by host user id or email (one export per matching profile), for access requests that arrive by mail',
      request: { params: site, body: body(adminSubjectBody) },
      responses: {
        200: json(z.object({ exports: z.array(view.subjectExport) })),
        ...errorResponses(...withBody, 401, 404, 503),
      },
    },
    {
      method: 'get',
      path: '/api/v1/admin/erasure-requests',
      security: admin,
      summary: 'Erasure requests by status, or the overdue ones',
      request: { query: erasureListQuery },
      responses: { 200: json(z.object({ requests: z.array(view.erasureRequest) })), ...errorResponses(400, 401, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/admin/sites',
      security: admin,
      summary: 'Every site, by id (secrets left out)',
      responses: { 200: json(z.object({ sites: z.array(view.adminSite) })), ...errorResponses(401, 503) },
    },
    {
      method: 'put',
      path: '/api/v1/admin/sites/{site}',
      security: admin,
      summary: 'Create or replace a site',
      description:
        'Every field but name, origins and auth has a default. A publicKeyPem must be a usable public key for its alg: 400 VALIDATION_FAILED otherwise.',
      request: { params: site, body: body(siteConfigSchema) },
      responses: {
        200: json(z.object({ site: view.adminSite }), 'Replaced'),
        201: json(z.object({ site: view.adminSite }), 'Created'),
        ...errorResponses(...withBody, 401, 503),
      },
    },
    {
      method: 'get',
      path: '/api/v1/admin/sites/{site}',
      security: admin,
      summary: 'Read a site (secrets left out)',
      request: { params: site },
      responses: { 200: json(z.object({ site: view.adminSite })), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'patch',
      path: '/api/v1/admin/sites/{site}',
      security: admin,
      summary:
        'Change part of a site: objects merge, everything else (auth too) is replaced; the result must be a valid configuration',
      request: {
        params: site,
        body: body(siteConfigSchema.partial().openapi({ description: 'Any part of the configuration PUT takes' })),
      },
      responses: { 200: json(z.object({ site: view.adminSite })), ...errorResponses(...withBody, 401, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/admin/sites/{site}/reasons',
      security: admin,
      summary: 'The site’s reason catalogue and which reason each automated rule leads to',
      request: { params: site },
      responses: { 200: json(catalogueSchema), ...errorResponses(401, 404, 503) },
    },
    {
      method: 'put',
      path: '/api/v1/admin/sites/{site}/reasons',
      security: admin,
      summary: 'Replace the site’s reason catalogue; decisions made keep the ids they named',
      description: 'Ids are unique; every rule maps to a reason of the list: 400 VALIDATION_FAILED otherwise.',
      request: { params: site, body: body(catalogueSchema) },
      responses: { 200: json(catalogueSchema), ...errorResponses(...withBody, 401, 404, 503) },
    },
    {
      method: 'get',
      path: '/api/v1/sites/{site}/reasons',
      summary: 'The site’s reasons as authors, notifiers and moderators are shown them',
      request: { params: site },
      responses: { 200: json(z.object({ reasons: z.array(reasonSchema) })), ...errorResponses(404, 503) },
    },
    {
      method: 'get',
      path: '/unsubscribe',
      summary:
        'The one-click unsubscribe link of a commenter mail, no login: a page with a button (HTML for browsers), or { subscribed } as JSON',
      description:
        'A malformed token is 400, one not signed by this service 404 (a page for browsers). A valid token ' +
        'whose subscription has ended already answers subscribed: false.',
      request: { query: unsubscribeQuery },
      responses: {
        200: {
          description: 'The page, or the state as JSON',
          content: { 'text/html': { schema: z.string() }, 'application/json': { schema: view.unsubscribed } },
        },
        ...errorResponses(400, 404, 503),
      },
    },
    {
      method: 'post',
      path: '/unsubscribe',
      summary: 'Ends the subscription the token names: RFC 8058 one-click (List-Unsubscribe=One-Click, form-encoded)',
      description:
        'What mail clients send for List-Unsubscribe-Post, and what the page’s button sends. A body must be ' +
        'application/x-www-form-urlencoded (415 otherwise); an empty body is accepted. Repeating it is harmless.',
      request: {
        query: unsubscribeQuery,
        body: { required: false, content: { 'application/x-www-form-urlencoded': { schema: unsubscribeForm } } },
      },
      responses: {
        200: {
          description: 'Unsubscribed: a page for browsers, { subscribed: false } otherwise',
          content: { 'text/html': { schema: z.string() }, 'application/json': { schema: view.unsubscribed } },
        },
        ...errorResponses(400, 404, 413, 415, 503),
      },
    },
    {
      method: 'get',
      path: '/healthz',
      summary: 'Liveness',
      responses: { 200: json(view.health), ...errorResponses() },
    },
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: MongoDB and Redis reachable',
      responses: { 200: json(view.readiness), 503: json(view.readiness, 'Not ready'), ...errorResponses() },
    },
    {
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics: 404 unless METRICS_TOKEN is set, then only with `Authorization: Bearer <METRICS_TOKEN>` (or on METRICS_PORT)',
      responses: { 200: text('text/plain', 'The Prometheus text exposition format'), ...errorResponses(401, 404) },
    },
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      responses: {
        200: json(z.object({ openapi: z.string(), paths: z.record(z.unknown()) }).passthrough()),
        ...errorResponses(),
      },
    },
    {
      method: 'get',
      path: '/embed.js',
      summary: 'The embeddable widget (one script tag on the host page)',
      responses: { 200: text('text/javascript', 'JavaScript'), ...errorResponses(503) },
    },
    {
      method: 'get',
      path: '/count.js',
      summary: 'Comment counts for article lists: fills elements with data-kommentarer-count',
      responses: { 200: text('text/javascript', 'JavaScript'), ...errorResponses(503) },
    },
    {
      method: 'get',
      path: '/assets/{file}',
      summary: "Script and style files of the moderators' page and the demo",
      request: { params: z.object({ file: z.string() }) },
      responses: {
        200: {
          description: 'The file',
          content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
        },
        ...errorResponses(404, 503),
      },
    },
    {
      method: 'get',
      path: '/moderate',
      summary: "The moderators' web page",
      responses: { 200: text('text/html', 'HTML'), ...errorResponses(503) },
    },
    {
      method: 'get',
      path: '/notices/status',
      summary:
        "A notifier's case status page: reads `#site=…&id=…&token=…` from the fragment (never sent) and shows whether the notice is received or decided; Swedish, English by `lang=en` or the browser's language",
      request: { query: noticeStatusPageQuery },
      responses: { 200: text('text/html', 'HTML'), ...errorResponses(400, 503) },
    },
    {
      method: 'get',
      path: '/demo',
      summary: 'A demo article page with the widget',
      request: { query: demoPageQuery },
      responses: { 200: text('text/html', 'HTML'), ...errorResponses(400, 503) },
    },
    {
      method: 'get',
      path: '/demo/token',
      summary:
        "The demo's pretend host login, for the site `demo` only (404 otherwise, and in production unless DEMO_LOGIN=true)",
      request: { query: demoTokenQuery },
      responses: { 200: json(view.demoToken), ...errorResponses(400, 404, 503) },
    },
  ];
  paths.push(...webhookPaths({ json, body, site, admin }));
  paths.push(...appealPaths({ json, body, site, jwt }));
  paths.push(...transparencyPaths({ site, admin }));
  paths.push(...noticePaths({ json, body, site, jwt }));
  for (const path of paths) registry.registerPath(path);

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Kommentarer API',
      version: '1.0.0',
      description:
        'Embeddable comments built for moderation and privacy. Every error is { error: { code, ' +
        'message, details } }; a method a path does not have is answered 405 METHOD_NOT_ALLOWED ' +
        'with an Allow header. The contract in words: docs/api.md in the repository.',
    },
    servers: [{ url: publicUrl }],
  }) as unknown as OpenApiDocument;
}
