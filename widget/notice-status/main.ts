/**
 * The notifier's case status page (GET /notices/status): the link the widget gives after a
 * notice of illegal content holds the site, the notice's id and its token in the fragment
 * (#site=…&id=…&token=…), which is never sent to the server with the page. The page reads
 * the notice (GET /api/v1/notices/{id}?token=) and the site's reason labels, and shows
 * whether it is received or decided. Swedish, English by ?lang=en or the browser's language.
 */
import { ApiError, apiClient } from '../shared/api-client';
import { fill, h } from '../shared/dom';

type Lang = 'sv' | 'en';

interface NoticeStatus {
  id: string;
  status: 'received' | 'decided';
  reasonId?: string;
  createdAt?: string;
  decision?: { action: 'removed' | 'no_action'; reasonId: string | null; at: string };
}

const TEXT = {
  sv: {
    title: 'Anmälan om olagligt innehåll',
    caseId: (id: string) => `Ärende ${id}`,
    loading: 'Hämtar ärendet…',
    incomplete: 'Länken är ofullständig. Använd hela länken du fick när du skickade anmälan.',
    notFound: 'Ärendet hittades inte. Kontrollera att du har använt hela länken.',
    received: (date: string) => `Anmälan är mottagen${date ? ` ${date}` : ''} och väntar på en moderators beslut.`,
    decided: (date: string) => `Anmälan är avgjord ${date}.`,
    status: 'Status',
    statusReceived: 'Mottagen',
    statusDecided: 'Avgjord',
    category: 'Anmälan gäller',
    receivedAt: 'Mottagen',
    decision: 'Beslut',
    actions: {
      removed: 'Kommentaren har tagits bort.',
      no_action: 'Ingen åtgärd: kommentaren ligger kvar.',
    } as Record<string, string>,
    reason: 'Skäl',
    decidedAt: 'Beslutet fattades',
    refresh: 'Uppdatera',
    other: 'In English',
    network: 'Kunde inte nå tjänsten. Försök igen.',
    dateLocale: 'sv-SE',
  },
  en: {
    title: 'Notice of illegal content',
    caseId: (id: string) => `Case ${id}`,
    loading: 'Fetching the case…',
    incomplete: 'The link is incomplete. Use the whole link you were given when you sent the notice.',
    notFound: 'The case was not found. Check that you used the whole link.',
    received: (date: string) =>
      `The notice was received${date ? ` on ${date}` : ''} and awaits a moderator's decision.`,
    decided: (date: string) => `The notice was decided on ${date}.`,
    status: 'Status',
    statusReceived: 'Received',
    statusDecided: 'Decided',
    category: 'The notice concerns',
    receivedAt: 'Received',
    decision: 'Decision',
    actions: {
      removed: 'The comment has been removed.',
      no_action: 'No action: the comment stays.',
    } as Record<string, string>,
    reason: 'Reason',
    decidedAt: 'Decided on',
    refresh: 'Refresh',
    other: 'På svenska',
    network: 'Could not reach the service. Please try again.',
    dateLocale: 'en-GB',
  },
};

function pickLang(): Lang {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'sv' || asked === 'en') return asked;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'sv' || base === 'en') return base;
  }
  return 'sv';
}

const lang = pickLang();
const t = TEXT[lang];
const fragment = new URLSearchParams(location.hash.slice(1));
const site = fragment.get('site');
const id = fragment.get('id');
const token = fragment.get('token');
const app = document.getElementById('app') as HTMLElement;
const live = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
const details = h('div');
const call = apiClient({
  base: '',
  lang: () => lang,
  session: { token: async () => null },
  networkMessage: () => t.network,
});

function dateText(iso: string | undefined): string {
  return iso
    ? new Intl.DateTimeFormat(t.dateLocale, { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso))
    : '';
}

let labels: Promise<Map<string, string>> | null = null;
function reasonLabels(): Promise<Map<string, string>> {
  labels ??= site
    ? call<{ reasons: Array<{ id: string; label: Record<Lang, string> }> }>(
        'GET',
        `/api/v1/sites/${encodeURIComponent(site)}/reasons`,
      )
        .then((r) => new Map(r.reasons.map((x) => [x.id, x.label[lang]])))
        .catch(() => new Map())
    : Promise.resolve(new Map());
  return labels;
}

async function show(): Promise<void> {
  live.className = 'status';
  live.textContent = t.loading;
  let notice: NoticeStatus;
  try {
    notice = (
      await call<{ notice: NoticeStatus }>(
        'GET',
        `/api/v1/notices/${encodeURIComponent(id as string)}?token=${encodeURIComponent(token as string)}`,
      )
    ).notice;
  } catch (err) {
    fill(details);
    live.className = 'status err';
    live.textContent = err instanceof ApiError && err.status === 404 ? t.notFound : (err as Error).message;
    return;
  }
  const names = await reasonLabels();
  const label = (reasonId: string | null | undefined) => (reasonId ? (names.get(reasonId) ?? reasonId) : null);
  const d = notice.decision;
  const rows: Array<[string, string | null | undefined]> = [
    [t.status, notice.status === 'decided' ? t.statusDecided : t.statusReceived],
    [t.category, label(notice.reasonId)],
    [t.receivedAt, dateText(notice.createdAt)],
  ];
  if (d)
    rows.push(
      [t.decision, t.actions[d.action] ?? d.action],
      [t.reason, label(d.reasonId)],
      [t.decidedAt, dateText(d.at)],
    );
  fill(
    details,
    h(
      'dl',
      { class: 'facts', 'data-status': notice.status },
      ...rows.filter(([, value]) => value).flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
    ),
  );
  live.textContent =
    notice.status === 'decided' && d
      ? `${t.decided(dateText(d.at))} ${t.actions[d.action] ?? ''}`
      : t.received(dateText(notice.createdAt));
}

document.documentElement.lang = lang;
document.title = `${t.title} – Kommentarer`;
(document.getElementById('title') as HTMLElement).textContent = t.title;
const other = lang === 'sv' ? 'en' : 'sv';
if (!id || !token) {
  fill(app, h('section', { class: 'card' }, h('p', { class: 'status err', role: 'alert' }, t.incomplete)));
} else {
  fill(
    app,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'case-h' },
      h('h2', { id: 'case-h' }, t.caseId(id)),
      live,
      details,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'primary', onclick: () => void show() }, t.refresh),
        ' ',
        h('a', { href: `?lang=${other}${location.hash}`, lang: other, hreflang: other }, t.other),
      ),
    ),
  );
  void show();
}
