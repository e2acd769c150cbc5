import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import type { Response } from 'express';
import type { AppConfig } from '../../../config/env';
import { AppError, notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validate';
import { mintCommenterToken } from '../auth/mint-commenter-token';
import type { SiteService } from '../sites/site.service';
import { DEMO_SITE_ID, demoPageQuery, demoTokenQuery, noticeStatusPageQuery } from './widget.schemas';

/**
 * Content-Security-Policy of the pages served here (demo, moderators' page): scripts and
 * styles only as files from this origin, no inline code. The widget's styles are a
 * constructable stylesheet, which such a policy allows.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The built browser files (scripts/build-widget.js writes them) and their types. A Map,
 * not an object: a path segment such as `__proto__` must not find a prototype's member.
 */
const ASSETS = new Map<string, string>([
  ['moderate.js', 'text/javascript; charset=utf-8'],
  ['moderate.css', 'text/css; charset=utf-8'],
  ['demo.js', 'text/javascript; charset=utf-8'],
  ['demo.css', 'text/css; charset=utf-8'],
  ['notice-status.js', 'text/javascript; charset=utf-8'],
]);

/** Demo login identities: a reader and a moderator of the demo site. */
const DEMO_IDENTITIES = {
  commenter: { sub: 'demo-reader', name: 'Demo Läsare' },
  moderator: { sub: 'demo-moderator', name: 'Demo Moderator', roles: ['moderator'] },
} as const;
const DEMO_TOKEN_TTL_SECONDS = 3600;

export interface WidgetRouteDeps {
  config: AppConfig;
  sites: SiteService;
  /** Where the built browser files are; dist/widget of the project by default. */
  assetsDir?: string;
}

/** Finds the project root (where package.json is) from this file, in src/ or in dist/src/. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/**
 * The browser side: GET /embed.js (the widget host pages load), GET /moderate (the
 * moderators' page), GET /notices/status (a notifier's case status page), GET /demo (an article page with the widget and a pretend host login),
 * GET /demo/token (JWTs for the demo login, minted here with the site's secret) and the
 * pages' script and style files under /assets/.
 */
export function widgetRoutes({ config, sites, assetsDir }: WidgetRouteDeps): Router {
  const router = Router();
  const dir = assetsDir ?? path.join(projectRoot(), 'dist', 'widget');
  const production = config.NODE_ENV === 'production';
  const pages = new Map<string, string>();

  function readAsset(name: string): string {
    const cached = pages.get(name);
    if (cached !== undefined) return cached;
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, name), 'utf8');
    } catch {
      throw new AppError('UNAVAILABLE', { what: `${name} is not built (npm run build)` });
    }
    if (production) pages.set(name, text);
    return text;
  }

  function sendAsset(res: Response, name: string, type: string, maxAge: number): void {
    const body = readAsset(name);
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', production ? `public, max-age=${maxAge}` : 'no-cache');
    res.send(body);
  }

  function sendPage(res: Response, html: string): void {
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.send(html);
  }

  // The scripts host pages on other origins load with a plain <script> tag: the widget,
  // and the comment counts for article lists.
  for (const script of ['embed.js', 'count.js']) {
    router.get(`/${script}`, (_req, res) => {
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      res.setHeader('Access-Control-Allow-Origin', '*');
      sendAsset(res, script, 'text/javascript; charset=utf-8', 300);
    });
  }

  router.get('/assets/:file', (req, res) => {
    const type = ASSETS.get(req.params.file);
    if (!type) throw notFound('asset');
    sendAsset(res, req.params.file, type, 300);
  });

  router.get('/moderate', (_req, res) => {
    sendPage(res, readAsset('moderate.html'));
  });

  // The case's id and token are in the fragment, which the browser never sends: nothing
  // here depends on the case, and the page (no-referrer) reads it with the API.
  router.get('/notices/status', (req, res) => {
    parseOrThrow(noticeStatusPageQuery, req.query);
    sendPage(res, readAsset('notice-status.html'));
  });

  router.get('/demo', (req, res) => {
    const { lang } = parseOrThrow(demoPageQuery, req.query);
    const other = lang === 'sv' ? 'en' : 'sv';
    const html = readAsset('demo.html')
      .replaceAll('__OTHER_LOCALE_NAME__', other === 'en' ? 'In English' : 'På svenska')
      .replaceAll('__OTHER_LOCALE__', other)
      .replaceAll('__LOCALE__', lang);
    sendPage(res, html);
  });

  /**
   * The demo's pretend host login. Off in production unless DEMO_LOGIN=true. In every
   * mode only for the site `demo`: a moderator token for any other site would hand that
   * site to whoever asks. The secret is read from the site's stored configuration and
   * never leaves the server.
   */
  const demoLogin = config.DEMO_LOGIN ? config.DEMO_LOGIN === 'true' : !production;
  router.get('/demo/token', async (req, res) => {
    if (!demoLogin) throw notFound('route');
    const query = parseOrThrow(demoTokenQuery, req.query);
    if (query.site !== DEMO_SITE_ID) throw notFound('site');
    const site = await sites.get(query.site);
    if (!('hs256Secret' in site.config.auth)) throw notFound('demo login');
    const identity = DEMO_IDENTITIES[query.role];
    const token = await mintCommenterToken({
      ...identity,
      siteId: site.id,
      secret: site.config.auth.hs256Secret,
      issuer: site.config.auth.issuer || undefined,
      expiresIn: DEMO_TOKEN_TTL_SECONDS,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json({ token, expiresIn: DEMO_TOKEN_TTL_SECONDS, site: site.id, role: query.role });
  });

  return router;
}
