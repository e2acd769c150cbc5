import express, { Request, Response, Router } from 'express';
import { AppError } from '../../shared/errors';
import type { Language } from '../../shared/messages';
import { parseOrThrow } from '../../shared/validate';
import { languageOf } from '../../http/request-context';
import { requireIdentity } from '../auth/guards';
import { SiteModel } from '../sites/site.model';
import type { SiteService } from '../sites/site.service';
import { MailSubscriptionModel } from './mail-subscription.model';
import { mailChoicesBody, unsubscribeForm, unsubscribeQuery } from './mail-subscription.schemas';
import type { MailChoices, MailSubscriptionService } from './mail-subscription.service';
import { subscriptionOfToken } from './unsubscribe-link';

export interface MailSubscriptionRouteDeps {
  sites: SiteService;
  subscriptions: MailSubscriptionService;
}

const choicesView = (c: MailChoices) => ({ mail: c });

/** The logged-in commenter's mail choices (the widget's checkbox and "Mina uppgifter"). */
export function mailChoiceRoutes({ sites, subscriptions }: MailSubscriptionRouteDeps): Router {
  const router = Router();

  router.get('/api/v1/sites/:site/me/mail', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    res.json(choicesView(await subscriptions.choices(site, identity)));
  });

  router.patch('/api/v1/sites/:site/me/mail', async (req, res) => {
    const site = await sites.get(req.params.site);
    const identity = await requireIdentity(site, req);
    const body = parseOrThrow(mailChoicesBody, req.body);
    res.json(choicesView(await subscriptions.change(site, identity, body)));
  });

  return router;
}

/** The unsubscribe page's only policy: its own inline style, a form posting to itself, nothing else. */
const UNSUBSCRIBE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_TEXT: Record<
  Language,
  { title: string; ask: string; button: string; done: string; doneText: string; invalid: string }
> = {
  sv: {
    title: 'Avsluta mejl från kommentarerna',
    ask: 'Vill du sluta få mejl om dina kommentarer på den här webbplatsen (svar och beslut)?',
    button: 'Avsluta mejlen',
    done: 'Klart',
    doneText:
      'Du får inga fler mejl om dina kommentarer härifrån. Du kan slå på dem igen under "Mina uppgifter" vid kommentarerna.',
    invalid:
      'Länken är ogiltig. Kopiera hela länken från mejlet, eller slå av mejlen under "Mina uppgifter" vid kommentarerna.',
  },
  en: {
    title: 'Stop mail about your comments',
    ask: 'Stop getting mail about your comments on this site (replies and decisions)?',
    button: 'Unsubscribe',
    done: 'Done',
    doneText:
      'You will get no more mail about your comments from here. You can turn it on again under "My data" by the comments.',
    invalid:
      'This link is not valid. Copy the whole link from the mail, or turn mail off under "My data" by the comments.',
  },
};

function page(language: Language, title: string, content: string): string {
  return `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}</style>
</head><body><main><h1>${title}</h1>${content}</main></body></html>`;
}

/** Only the token's own characters reach the page (it matched unsubscribeTokenSchema). */
const sendPage = (res: Response, status: number, html: string) => {
  res.setHeader('Content-Security-Policy', UNSUBSCRIBE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.status(status).type('html').send(html);
};

/** A person's browser gets the page; anything else (mail clients, scripts) gets JSON. */
const wantsHtml = (req: Request) => req.accepts(['json', 'html']) === 'html';

/**
 * The one-click unsubscribe link of every commenter mail, no login needed:
 * `GET /unsubscribe?token=T` shows a page with a button, and a POST to the same address
 * ends the subscription: the page's button and a mail client's RFC 8058 one-click POST
 * (`List-Unsubscribe=One-Click`, form-encoded) alike. The token names the subscription
 * and carries its HMAC (unsubscribe-link.ts): a malformed one is 400, a forged one 404.
 * A valid token whose subscription has ended already answers as done: it is done.
 * Mounted ahead of the API's JSON-only body rule, with its own small form parser.
 */
export function unsubscribeRoutes({
  subscriptions,
  secret,
}: {
  subscriptions: MailSubscriptionService;
  secret: string;
}): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '1kb', type: 'application/x-www-form-urlencoded' });

  /** The subscription id of a request's token; 400 when malformed, 404 when not signed by us. */
  function verified(req: Request): string {
    const { token } = parseOrThrow(unsubscribeQuery, req.query);
    const id = subscriptionOfToken(secret, token);
    if (!id) throw new AppError('NOT_FOUND', { what: 'subscription' });
    return id;
  }

  /** The language of the page: the link's (the site's when the mail was sent), the site's, else the reader's. */
  async function languageFor(req: Request, siteId: string | undefined): Promise<Language> {
    const lang = req.query.lang;
    if (lang === 'sv' || lang === 'en') return lang;
    if (!siteId) return languageOf(req);
    const site = await SiteModel.findById(siteId, { 'config.locale': 1 }).lean();
    return (site?.config as { locale?: Language } | undefined)?.locale ?? languageOf(req);
  }

  router.get('/unsubscribe', async (req, res) => {
    let id: string;
    try {
      id = verified(req);
    } catch (err) {
      if (!(err instanceof AppError) || !wantsHtml(req)) throw err;
      const t = PAGE_TEXT[languageOf(req)];
      return sendPage(res, err.status, page(languageOf(req), t.title, `<p>${t.invalid}</p>`));
    }
    const sub = await MailSubscriptionModel.findById(id, { siteId: 1 }).lean();
    const language = await languageFor(req, sub?.siteId);
    const t = PAGE_TEXT[language];
    const action = `?token=${String(req.query.token)}&lang=${language}`;
    if (!sub) {
      if (!wantsHtml(req)) return void res.setHeader('Cache-Control', 'no-store').json({ subscribed: false });
      return sendPage(res, 200, page(language, t.done, `<p>${t.doneText}</p>`));
    }
    if (!wantsHtml(req)) return void res.setHeader('Cache-Control', 'no-store').json({ subscribed: true });
    sendPage(
      res,
      200,
      page(
        language,
        t.title,
        `<p>${t.ask}</p><form method="post" action="${action.replace(/&/g, '&amp;')}">` +
          `<input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">${t.button}</button></form>`,
      ),
    );
  });

  router.post('/unsubscribe', form, async (req, res) => {
    const length = Number(req.headers['content-length'] ?? 0);
    const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/x-www-form-urlencoded'))
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', { expected: 'application/x-www-form-urlencoded' });
    parseOrThrow(unsubscribeForm, req.body ?? {});
    const id = verified(req);
    const ended = await subscriptions.unsubscribe(id);
    const language = await languageFor(req, ended?.siteId);
    if (!wantsHtml(req)) return void res.setHeader('Cache-Control', 'no-store').json({ subscribed: false });
    const t = PAGE_TEXT[language];
    sendPage(res, 200, page(language, t.done, `<p>${t.doneText}</p>`));
  });

  return router;
}
