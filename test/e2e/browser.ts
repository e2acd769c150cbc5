/**
 * Shared parts of the browser tests: the service on a real loopback port (harness + workers),
 * a host site on a second origin that embeds the widget, Debian's Chromium driven by
 * playwright-core, screenshots under test-artifacts/e2e/ and axe-core checks.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import type { CommentDoc } from '../../src/modules/comments/comment.model';
import { createComment } from '../helpers/factories';
import { Harness, startHarness, TestSite } from '../helpers/harness';
import { REPO_ROOT } from '../helpers/paths';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = REPO_ROOT;
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');

/** Builds dist/widget/ when it is missing or older than its sources (npm test builds it first anyway). */
export function ensureWidgetBuilt(): void {
  const built = path.join(ROOT, 'dist', 'widget', 'embed.js');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const p = path.join(dir, e.name);
      return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const sources = Math.max(
    newest(path.join(ROOT, 'widget')),
    fs.statSync(path.join(ROOT, 'src/shared/comment-text.ts')).mtimeMs,
    fs.statSync(path.join(ROOT, 'scripts/build-widget.js')).mtimeMs,
  );
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-widget.js')], { stdio: 'pipe' });
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface Service {
  h: Harness;
  origin: string;
  close(): Promise<void>;
}

/** The API (with workers) listening on a loopback port. */
export async function startService(): Promise<Service> {
  // Mail configured (the tests' Mailpit), so that the widget's mail choices are offered.
  const h = await startHarness(process.env.SMTP_TEST_URL ? { SMTP_URL: process.env.SMTP_TEST_URL } : {});
  await h.startWorkers();
  const server = http.createServer(h.listener);
  const origin = await listen(server);
  return {
    h,
    origin,
    close: async () => {
      await closeServer(server);
      await h.close();
    },
  };
}

/** Worker decisions can take a while when the whole suite runs at once on two cores. */
export const WORKER_WAIT_MS = 45_000;

/** Posts a comment through the API and waits until the worker has decided it (published or held). */
export async function postDecided(
  service: Service,
  site: TestSite,
  body: string,
  claims: Record<string, unknown> = {},
  thread = 't',
  parentId?: string,
): Promise<CommentDoc> {
  return (
    await createComment(service.h, site, {
      body,
      by: claims,
      thread,
      parentId,
      until: 'decided',
      timeoutMs: WORKER_WAIT_MS,
    })
  ).stored;
}

export interface HostPageOptions {
  site: string;
  thread: string;
  locale?: 'sv' | 'en';
  title?: string;
  limit?: number;
  token?: string;
  /** Links /hostile.css, a style sheet that tries to restyle everything. */
  hostileCss?: boolean;
  /** Sends a strict Content-Security-Policy: only the service's origin for scripts, styles and requests. */
  strictCsp?: boolean;
  /** Leave out <div id="kommentarer"> so the widget creates its own container. */
  noContainer?: boolean;
  htmlLang?: string;
}

export const HOSTILE_CSS = `
* { color: rgb(255, 0, 0) !important; background: rgb(0, 0, 0) !important; font-size: 40px !important;
    font-family: "Comic Sans MS", cursive !important; letter-spacing: 6px !important; border: 5px dotted lime !important; }
div { display: none !important; }
#kommentarer { opacity: 0 !important; visibility: hidden !important; transform: scale(0) !important; }
textarea, button, select, input { display: none !important; }
h2 { font-size: 80px !important; }
`;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface Host {
  origin: string;
  /** Registers a host page embedding the widget; returns its URL. */
  page(options: HostPageOptions): string;
  /** Registers a host page of the given body (other scripts, such as count.js); returns its URL. */
  rawPage(body: string, options?: { lang?: string; strictCsp?: boolean }): string;
  close(): Promise<void>;
}

let pageCounter = 0;

/** A host site on its own origin: article pages with the one script tag. */
export async function startHost(serviceOrigin: string): Promise<Host> {
  const pages = new Map<string, { html: string; csp: string | null }>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname === '/hostile.css') {
      res.writeHead(200, { 'Content-Type': 'text/css' }).end(HOSTILE_CSS);
      return;
    }
    const page = pages.get(url.pathname);
    if (!page) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'Content-Type': 'text/html; charset=utf-8' };
    if (page.csp) headers['Content-Security-Policy'] = page.csp;
    res.writeHead(200, headers).end(page.html);
  });
  const origin = await listen(server);
  const strictCsp = `default-src 'none'; script-src ${serviceOrigin}; connect-src ${serviceOrigin}; style-src 'self' ${serviceOrigin}; img-src 'self'`;
  return {
    origin,
    page(o) {
      const pathname = `/artikel-${++pageCounter}`;
      const attrs = [
        `src="${esc(serviceOrigin)}/embed.js"`,
        `data-site="${esc(o.site)}"`,
        `data-thread="${esc(o.thread)}"`,
        o.locale && `data-locale="${o.locale}"`,
        o.title && `data-title="${esc(o.title)}"`,
        o.limit && `data-limit="${o.limit}"`,
        o.token && `data-token="${esc(o.token)}"`,
        'async',
      ]
        .filter(Boolean)
        .join(' ');
      const html = `<!doctype html>
<html lang="${o.htmlLang ?? o.locale ?? 'sv'}">
<head><meta charset="utf-8"><title>Värdsidan – en artikel</title>${o.hostileCss ? '<link rel="stylesheet" href="/hostile.css">' : ''}</head>
<body>
<main>
<h1>En artikel på värdsidan</h1>
<p class="host-text">Värdsidans egen text, som värdsidans stilar gäller för.</p>
<button type="button" class="host-button">Värdsidans knapp</button>
${o.noContainer ? '' : '<div id="kommentarer"></div>'}
<script ${attrs}></script>
</main>
</body>
</html>`;
      pages.set(pathname, { html, csp: o.strictCsp ? strictCsp : null });
      return `${origin}${pathname}`;
    },
    rawPage(body, o = {}) {
      const pathname = `/sida-${++pageCounter}`;
      const html = `<!doctype html>
<html lang="${o.lang ?? 'sv'}">
<head><meta charset="utf-8"><title>Värdsidan</title></head>
<body>
${body}
</body>
</html>`;
      pages.set(pathname, { html, csp: o.strictCsp ? strictCsp : null });
      return `${origin}${pathname}`;
    },
    close: () => closeServer(server),
  };
}

/** Saves a full-page screenshot as test-artifacts/e2e/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}
let axeSource: string | undefined;

/**
 * Runs axe-core in the page (open shadow roots included) and returns the serious and
 * critical violations. Injected with evaluate, which a page's CSP does not block.
 */
export async function seriousA11yViolations(page: Page, include?: string): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (selector) => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(selector ? { include: [[selector]] } : document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  }, include ?? null);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshot plus the accessibility check, for every state a test reaches. */
export async function checkState(page: Page, name: string, include?: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousA11yViolations(page, include)).toEqual([]);
}

/** What every browser test file needs; filled in by the hooks browserSuite registers. */
export interface BrowserSuite {
  service: Service;
  host: Host;
  browser: Browser;
  context: BrowserContext;
}

/**
 * Registers the hooks of a browser test file: the service, the host site and Chromium once
 * per file, a fresh browser context (no shared cookies or storage) per test.
 */
export function browserSuite(viewport: { width: number; height: number }): BrowserSuite {
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    ensureWidgetBuilt();
    suite.service = await startService();
    suite.host = await startHost(suite.service.origin);
    suite.browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.host?.close();
    await suite.service?.close();
  });
  beforeEach(async () => {
    suite.context = await suite.browser.newContext({ viewport });
  });
  afterEach(async () => {
    await suite.context?.close();
  });
  return suite;
}
