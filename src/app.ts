import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import express, { Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Services } from './container';
import { appealRoutes } from './modules/appeals/appeal.routes';
import { banRoutes } from './modules/bans/ban.routes';
import { commenterRoutes } from './modules/commenters/commenter.routes';
import { commentRoutes } from './modules/comments/comment.routes';
import { healthRoutes } from './modules/health/health.routes';
import { moderationLogRoutes } from './modules/moderation-log/moderation-log.routes';
import { moderationRoutes } from './modules/moderation/moderation.routes';
import { mailChoiceRoutes, unsubscribeRoutes } from './modules/notifications/mail-subscription.routes';
import { privacyRoutes } from './modules/privacy/privacy.routes';
import { reportRoutes } from './modules/reports/report.routes';
import { buildOpenApiDocument } from './modules/openapi/openapi.document';
import { openApiRoutes } from './modules/openapi/openapi.routes';
import { siteAdminRoutes } from './modules/sites/site.routes';
import { reasonRoutes } from './modules/reasons/reason.routes';
import { threadRoutes } from './modules/threads/thread.routes';
import { widgetRoutes } from './modules/widget/widget.routes';
import { webhookRoutes } from './modules/webhooks/webhook.routes';
import { transparencyRoutes } from './modules/transparency/transparency.routes';
import { noticeRoutes } from './modules/notices/notice.routes';
import { jsonBody, requireJsonBody } from './http/body';
import { apiCacheControl } from './http/cache-control';
import { errorHandler, notFoundHandler } from './http/error-handler';
import { methodNotAllowed } from './http/method-not-allowed';
import { PublicReplay } from './http/public-replay';
import { loggablePath } from './http/request-context';
import { siteCors } from './site-cors';

/** Builds the express app (no listen): middleware, every module's routes, the one error handler. */
export function createApp(services: Services): Express {
  const { config, logger, metrics } = services;
  const openApi = buildOpenApiDocument(config.PUBLIC_URL);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('query parser', 'simple'); // no nested objects from query strings

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Only what operators need: no headers, no query string (it may hold tokens), no IP.
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, path: loggablePath(String(req.url)) }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use((req, res, next) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route?.path ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });
  app.use(helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use('/api/v1', siteCors(services.sites, services.comments, services.notices));
  app.use('/api/v1', apiCacheControl({ maxAgeS: config.PUBLIC_CACHE_MAX_AGE_S, staleS: config.PUBLIC_CACHE_STALE_S }));
  // The one-click unsubscribe link takes a form-encoded POST (RFC 8058), ahead of the JSON-only rule.
  app.use(unsubscribeRoutes({ subscriptions: services.mailSubscriptions, secret: config.IP_HASH_SECRET }));
  app.use(requireJsonBody);
  app.use('/api/v1/admin', jsonBody('256kb'));
  app.use(jsonBody('16kb'));

  const { sites, threads, commenters, comments, reports, reviewQueues, decisions, bans, log, erasure, subjectExports } =
    services;
  app.use(
    healthRoutes({ redis: services.redis, metrics, queues: services.jobQueues, metricsToken: config.METRICS_TOKEN }),
  );
  app.use(openApiRoutes({ document: openApi }));
  app.use(siteAdminRoutes({ sites, adminKey: config.ADMIN_API_KEY }));
  app.use(reasonRoutes({ sites }));
  app.use(threadRoutes({ sites, threads, commenters, comments }));
  app.use(commentRoutes({ sites, comments }));
  app.use(reportRoutes({ sites, comments, reports }));
  app.use(noticeRoutes({ sites, notices: services.notices, noticeDecisions: services.noticeDecisions }));
  app.use(moderationRoutes({ sites, reviewQueues, decisions, caseQueues: services.caseQueues }));
  app.use(banRoutes({ sites, commenters, bans }));
  app.use(appealRoutes({ sites, comments, appeals: services.appeals }));
  app.use(moderationLogRoutes({ sites, log }));
  app.use(privacyRoutes({ sites, erasure, subjectExports, adminKey: config.ADMIN_API_KEY }));
  app.use(commenterRoutes({ sites, commenters }));
  app.use(mailChoiceRoutes({ sites, subscriptions: services.mailSubscriptions }));
  app.use(webhookRoutes({ sites, webhooks: services.webhooks, adminKey: config.ADMIN_API_KEY }));
  app.use(transparencyRoutes({ sites, adminKey: config.ADMIN_API_KEY }));
  app.use(widgetRoutes({ config, sites })); // embed.js, /demo, /moderate: pages set their own strict CSP

  app.use(methodNotAllowed(openApi)); // a known path with a method it does not have: 405, not 404
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

/**
 * What the HTTP server runs: repeated anonymous public reads answered from the responses
 * the app stored (http/public-replay), everything else by the app. The tests drive this
 * same listener.
 */
export function createRequestListener(app: Express, services: Services): RequestListener {
  const { config, metrics, pageCache } = services;
  const replayed = metrics.pageCache.labels({ result: 'replay' });
  const replay = new PublicReplay(
    pageCache,
    { ttlMs: config.PAGE_CACHE_TTL_MS, maxBytes: config.PAGE_CACHE_MB * 1024 * 1024 },
    () => replayed.inc(),
  );
  return (req, res) => replay.handle(req, res, () => app(req, res));
}
