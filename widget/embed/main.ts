/**
 * embed.js: the one script a host page loads.
 *
 *   <div id="kommentarer"></div>            (optional; created after the script otherwise)
 *   <script src="https://comments.example/embed.js" data-site="my-site" data-thread="/artikel/1"
 *           data-locale="sv" data-title="…" data-url="…" data-token="…" async></script>
 *
 * The host hands over the commenter's JWT with data-token and/or a callback set before the
 * script runs: window.Kommentarer = { getToken: async () => jwt | null }. getToken is asked
 * again when the API answers 401 INVALID_TOKEN or the token is about to expire. After
 * loading, window.Kommentarer.login(jwt) and .logout() switch every widget on the page
 * without a reload.
 */
import { apiBase, apiClient, Session } from '../shared/api-client';
import { claimsOf } from '../shared/jwt-claims';
import { isLang, Lang, STRINGS } from './i18n';
import { Widget } from './widget';
import css from './widget.css';

interface HostApi {
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  login?: (token: string) => Promise<void>;
  logout?: () => Promise<void>;
  version?: string;
}

declare global {
  interface Window {
    Kommentarer?: HostApi;
  }
}

const api: HostApi = (window.Kommentarer ??= {});
const sessions: Array<{ set(token: string | null): Promise<void> }> = [];
let sheet: CSSStyleSheet | null = null;

api.version = '1';
api.login = async (token: string) => {
  await Promise.all(sessions.map((s) => s.set(token || null)));
};
api.logout = async () => {
  await Promise.all(sessions.map((s) => s.set(null)));
};

function start(script: HTMLScriptElement): void {
  const data = script.dataset;
  if (!data.site || !data.thread || data.kommentarerStarted) return;
  data.kommentarerStarted = '1';
  const base = apiBase(script);
  let container = data.container ? document.getElementById(data.container) : document.getElementById('kommentarer');
  if (!container || container.shadowRoot) {
    container = document.createElement('div');
    script.after(container);
  }
  const root = container.attachShadow({ mode: 'open' });
  // Constructable stylesheets are not inline styles: they work under a CSP without 'unsafe-inline'.
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    root.append(style);
  }

  let token: string | null = data.token || null;
  const ask = async (): Promise<string | null> => {
    try {
      return (await api.getToken?.()) || null;
    } catch {
      return null;
    }
  };
  const session: Session = {
    async token() {
      // A token about to expire is renewed ahead when the host can give a new one;
      // otherwise it is sent as it is and the server's answer says what happened.
      const exp = token ? claimsOf(token)?.exp : undefined;
      if (token && exp && exp * 1000 < Date.now() + 10_000 && api.getToken) token = (await ask()) ?? token;
      return token;
    },
    async refresh() {
      token = api.getToken ? await ask() : null;
      return token;
    },
  };
  const locale = isLang(data.locale) ? data.locale : null;
  const url = data.url || (location.href.split('#')[0] as string);
  const widget: Widget = new Widget(root, {
    base,
    site: data.site,
    thread: data.thread,
    lang: locale,
    title: data.title || null,
    url,
    limit: Math.min(100, Math.max(1, Number(data.limit) || 20)),
    call: apiClient({
      base,
      lang: (): Lang => widget.language,
      session,
      networkMessage: () => STRINGS[widget.language].network,
      credentials: 'omit',
    }),
    token: () => token,
  });
  sessions.push({
    async set(next) {
      token = next;
      await widget.sessionChanged();
    },
  });
  void (async () => {
    if (!token && api.getToken) token = await ask();
    await widget.load();
    await widget.reveal(sessions.length === 1);
  })();
  // A permalink clicked on this page (or typed) points at another comment. With several
  // widgets on one page, none pages through its thread for a comment that may be elsewhere.
  window.addEventListener('hashchange', () => void widget.reveal(sessions.length === 1));
}

const current = document.currentScript as HTMLScriptElement | null;
if (current?.dataset.site) start(current);
document.querySelectorAll<HTMLScriptElement>('script[data-site][data-thread]').forEach((s) => {
  if (/embed\.js(\?|$)/.test(s.src)) start(s);
});
window.dispatchEvent(new Event('kommentarer:ready'));
