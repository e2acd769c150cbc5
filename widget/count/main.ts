/**
 * count.js: comment counts for article lists, without loading the widget.
 *
 *   <a href="/artikel/1">Läs mer · <span data-kommentarer-count="/artikel/1">kommentarer</span></a>
 *   <script src="https://comments.example/count.js" data-site="my-site" data-locale="sv" async></script>
 *
 * Every element with data-kommentarer-count (its value is the thread key the widget uses)
 * gets "3 kommentarer" / "3 comments" as its text and data-kommentarer-status="open" or
 * "closed" for styling. One request per 50 threads. On failure the host's own text stays.
 * window.KommentarerCount.refresh() counts again (pages that add articles later).
 */
import { countText } from '../shared/count-text';
import { apiBase } from '../shared/api-client';

/** The API's limit of keys per request. */
const KEYS_PER_REQUEST = 50;
const ATTRIBUTE = 'data-kommentarer-count';

interface ThreadCount {
  key: string;
  status: 'open' | 'closed';
  commentCount: number;
}

declare global {
  interface Window {
    KommentarerCount?: { refresh: () => Promise<void> };
  }
}

const script = document.currentScript as HTMLScriptElement | null;

function languageOf(data: DOMStringMap): 'sv' | 'en' {
  const wanted = data.locale ?? document.documentElement.lang;
  return wanted?.toLowerCase().startsWith('en') ? 'en' : 'sv';
}

async function refresh(): Promise<void> {
  const data = script?.dataset;
  if (!script || !data?.site) return;
  const base = apiBase(script);
  const lang = languageOf(data);
  const elements = [...document.querySelectorAll<HTMLElement>(`[${ATTRIBUTE}]`)];
  const keys = [...new Set(elements.map((el) => el.getAttribute(ATTRIBUTE) ?? '').filter((k) => k.length > 0))];
  const found = new Map<string, ThreadCount>();
  for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST) {
    const query = new URLSearchParams(keys.slice(i, i + KEYS_PER_REQUEST).map((k) => ['key', k]));
    try {
      const res = await fetch(`${base}/api/v1/sites/${encodeURIComponent(data.site)}/counts?${query}`, {
        credentials: 'omit',
      });
      if (!res.ok) continue;
      for (const t of ((await res.json()) as { threads: ThreadCount[] }).threads) found.set(t.key, t);
    } catch {
      // Offline or blocked: the host's fallback text stays.
    }
  }
  for (const el of elements) {
    const count = found.get(el.getAttribute(ATTRIBUTE) ?? '');
    if (!count) continue;
    el.textContent = countText(lang, count.commentCount);
    el.setAttribute('data-kommentarer-status', count.status);
  }
}

window.KommentarerCount = { refresh };
void refresh();
