/**
 * The moderators' page (GET /moderate): log in with a moderator JWT of a site, work the
 * queues with buttons or keyboard shortcuts. Same origin as the API. The token arrives in
 * the URL fragment (never sent to the server, never logged) or is pasted, and is kept in
 * sessionStorage for this tab only.
 */
import { append, fill, h, safeHref } from '../shared/dom';
import { ApiError, apiClient } from '../shared/api-client';
import { claimsOf } from '../shared/jwt-claims';
import { permalink } from '../shared/links';
import { isOnOrigins } from '../../src/shared/site-origins';

type Lang = 'sv' | 'en';
type Queue = 'notices' | 'pending' | 'reported' | 'rejected' | 'approved' | 'appeals';
/** Notices of illegal content first, ahead of the readers' reports; appeals last. */
const QUEUES: Queue[] = ['notices', 'pending', 'reported', 'rejected', 'approved', 'appeals'];

interface Item {
  comment: {
    id: string;
    thread: string;
    parentId: string | null;
    body: string;
    status: string;
    createdAt: string;
    editedAt: string | null;
  };
  thread: { key: string; title: string | null; url: string | null; status: 'open' | 'closed' };
  author: {
    id: string;
    sub: string;
    name: string;
    history: { published: number; rejected: number; pending: number };
  } | null;
  rules: Array<{ rule: string; action: string; detail: string | null }>;
  reports: Array<{ reason: string; note: string | null; createdAt: string; resolved: boolean }>;
  version: number;
}

/** A notice of illegal content in the queue `notices`. */
interface NoticeItem {
  kind: 'notice';
  id: string;
  reasonId: string;
  explanation: string;
  createdAt: string;
  notifier: { named: boolean; email: boolean };
  openNoticesOnComment: number;
  comment: {
    id: string;
    body: string;
    status: string;
    thread: string;
    createdAt: string;
    author: { name: string } | null;
  } | null;
}

/** An appeal of a decision on a comment, or of a ban, in the queue `appeals`. */
interface AppealItem {
  kind: 'appeal';
  id: string;
  about: 'comment' | 'ban';
  text: string;
  createdAt: string;
  original: {
    action: 'rejected' | 'removed' | 'banned';
    reasonId: string | null;
    by: 'system' | 'moderator';
    moderator: { name: string } | null;
    at: string;
    note: string | null;
  };
  comment: { id: string; body: string; status: string; thread: string; createdAt: string } | null;
  ban: { until: string | null } | null;
  /** False when the viewer made the original decision: another moderator must decide. */
  mayDecide: boolean;
}

type AnyItem = Item | NoticeItem | AppealItem;
type Counts = Record<Queue, number>;

interface QueuePage {
  items: AnyItem[];
  nextCursor: string | null;
  origins?: string[];
}

const TEXT = {
  sv: {
    title: 'Moderering',
    loginHeading: 'Logga in som moderator',
    site: 'Webbplats (site-id)',
    token: 'Moderatorns JWT',
    tokenHint:
      'En JWT som värdsidan signerat för webbplatsen, med rollen moderator eller admin. Demosidan länkar hit med en färdig token.',
    logIn: 'Logga in',
    logOut: 'Logga ut',
    who: (name: string, site: string) => `Inloggad som ${name} på ${site}`,
    queues: 'Köer',
    names: {
      notices: 'Anmälningar',
      pending: 'Väntande',
      reported: 'Anmälda',
      rejected: 'Avvisade',
      approved: 'Godkända',
      appeals: 'Överklaganden',
    } as Record<Queue, string>,
    empty: 'Inget här just nu.',
    more: 'Visa fler',
    loading: 'Laddar…',
    by: 'Kommentar av',
    unknownAuthor: 'okänd (raderad)',
    thread: 'Tråd',
    closedThread: 'stängd',
    history: 'Författarens historik',
    historyText: (h: { published: number; rejected: number; pending: number }) =>
      `${h.published} publicerade · ${h.rejected} avvisade · ${h.pending} väntande`,
    rules: 'Regler som slog till',
    reports: 'Anmälningar',
    none: 'Inga',
    reasons: {
      spam: 'Reklam eller spam',
      abuse: 'Kränkande eller hotfullt',
      personal_data: 'Personuppgifter',
      off_topic: 'Hör inte till ämnet',
      other: 'Annat',
    } as Record<string, string>,
    approve: 'Godkänn',
    reject: 'Avvisa…',
    rejectNow: 'Avvisa',
    rejectReason: 'Anteckning (sparas i loggen, valfritt)',
    reasonPick: 'Skäl',
    reasonNone: 'Välj ett skäl…',
    reasonMissing: 'Välj ett skäl ur listan.',
    ban: 'Stäng av användaren…',
    banNow: 'Stäng av',
    banReason: 'Skäl till avstängningen',
    banUntil: 'Till och med (valfritt, annars tills vidare)',
    close: 'Stäng tråden',
    reopen: 'Öppna tråden igen',
    cancel: 'Avbryt',
    approved: 'Kommentaren är godkänd och publicerad.',
    rejected: 'Kommentaren är avvisad.',
    banned: (name: string) => `${name} är avstängd från att kommentera.`,
    closed: 'Tråden är stängd för fler kommentarer.',
    reopened: 'Tråden är öppen igen.',
    alreadyDecided: 'En annan moderator har redan beslutat om den här kommentaren. Listan är uppdaterad.',
    newItems: 'Kön har ändrats. Uppdatera listan',
    countsLive: (c: Counts) =>
      `Anmälningar ${c.notices ?? 0}, väntande ${c.pending}, anmälda ${c.reported}, avvisade ${c.rejected}, ` +
      `godkända ${c.approved}, överklaganden ${c.appeals ?? 0}.`,
    shortcuts: 'Kortkommandon',
    keys: [
      ['j / k', 'nästa / föregående kommentar'],
      ['a', 'godkänn'],
      ['r', 'avvisa (med skäl)'],
      ['b', 'stäng av författaren'],
      ['c', 'stäng tråden'],
      ['r', 'i Anmälningar: ta bort den anmälda kommentaren (med skäl)'],
      ['1–6', 'byt kö'],
      ['u', 'uppdatera listan'],
    ],
    notice: 'Anmälan',
    noticeFacts: 'Förklaring',
    notifier: 'Anmälaren',
    notifierText: (n: { named: boolean; email: boolean }) =>
      n.named && n.email
        ? 'har lämnat namn och e-postadress'
        : n.named
          ? 'har lämnat namn'
          : n.email
            ? 'har lämnat e-postadress'
            : 'har inte lämnat några kontaktuppgifter',
    openNotices: 'Öppna anmälningar om kommentaren',
    noticedComment: 'Den anmälda kommentaren',
    commentGone: 'Kommentaren finns inte längre.',
    remove: 'Ta bort kommentaren…',
    removeNow: 'Ta bort kommentaren',
    noAction: 'Ingen åtgärd',
    removed: 'Kommentaren är borttagen och anmälan avgjord.',
    noActionTaken: 'Anmälan är avgjord utan åtgärd.',
    noticeDecided: 'Anmälan är redan avgjord av en annan moderator. Listan är uppdaterad.',
    appeal: 'Överklagande',
    actions: { rejected: 'Avvisad kommentar', removed: 'Borttagen kommentar', banned: 'Avstängning' } as Record<
      string,
      string
    >,
    appealText: 'Överklagandet',
    original: 'Det överklagade beslutet',
    decision: 'Beslut',
    decidedBy: 'Fattat av',
    automated: 'automatiskt (webbplatsens filter)',
    aModerator: 'en moderator',
    when: 'Datum',
    modNote: 'Moderatorns anteckning',
    theComment: 'Kommentaren',
    theBan: 'Avstängningen',
    bannedUntil: (d: string | null) => (d ? `till och med ${d}` : 'tills vidare'),
    uphold: 'Fastställ beslutet…',
    upholdNow: 'Fastställ beslutet',
    reverse: 'Ändra beslutet…',
    reverseNow: 'Ändra beslutet',
    caseNote: 'Motivering (sparas i loggen, valfritt)',
    upheld: 'Beslutet är fastställt.',
    reversed: 'Beslutet är ändrat.',
    sameModerator: 'Du fattade själv det överklagade beslutet: en annan moderator måste pröva överklagandet.',
    appealDecided: 'Överklagandet är redan avgjort. Listan är uppdaterad.',
    network: 'Kunde inte nå tjänsten. Försök igen.',
    status: { pending: 'väntar', published: 'publicerad', rejected: 'avvisad', removed: 'borttagen' } as Record<
      string,
      string
    >,
    dateLocale: 'sv-SE',
  },
  en: {
    title: 'Moderation',
    loginHeading: 'Log in as a moderator',
    site: 'Site (site id)',
    token: 'Moderator JWT',
    tokenHint:
      'A JWT the host signed for the site, with the role moderator or admin. The demo page links here with a ready token.',
    logIn: 'Log in',
    logOut: 'Log out',
    who: (name: string, site: string) => `Logged in as ${name} on ${site}`,
    queues: 'Queues',
    names: {
      notices: 'Notices',
      pending: 'Pending',
      reported: 'Reported',
      rejected: 'Rejected',
      approved: 'Approved',
      appeals: 'Appeals',
    } as Record<Queue, string>,
    empty: 'Nothing here right now.',
    more: 'Show more',
    loading: 'Loading…',
    by: 'Comment by',
    unknownAuthor: 'unknown (erased)',
    thread: 'Thread',
    closedThread: 'closed',
    history: "Author's history",
    historyText: (h: { published: number; rejected: number; pending: number }) =>
      `${h.published} published · ${h.rejected} rejected · ${h.pending} pending`,
    rules: 'Rules fired',
    reports: 'Reports',
    none: 'None',
    reasons: {
      spam: 'Advertising or spam',
      abuse: 'Abusive or threatening',
      personal_data: 'Personal data',
      off_topic: 'Off topic',
      other: 'Other',
    } as Record<string, string>,
    approve: 'Approve',
    reject: 'Reject…',
    rejectNow: 'Reject',
    rejectReason: 'Note (kept in the log, optional)',
    reasonPick: 'Reason',
    reasonNone: 'Choose a reason…',
    reasonMissing: 'Choose a reason from the list.',
    ban: 'Ban the author…',
    banNow: 'Ban',
    banReason: 'Reason for the ban',
    banUntil: 'Until (optional, otherwise until further notice)',
    close: 'Close the thread',
    reopen: 'Reopen the thread',
    cancel: 'Cancel',
    approved: 'The comment is approved and published.',
    rejected: 'The comment is rejected.',
    banned: (name: string) => `${name} is banned from commenting.`,
    closed: 'The thread is closed for more comments.',
    reopened: 'The thread is open again.',
    alreadyDecided: 'Another moderator has already decided on this comment. The list has been updated.',
    newItems: 'The queue has changed. Refresh the list',
    countsLive: (c: Counts) =>
      `Notices ${c.notices ?? 0}, pending ${c.pending}, reported ${c.reported}, rejected ${c.rejected}, ` +
      `approved ${c.approved}, appeals ${c.appeals ?? 0}.`,
    shortcuts: 'Keyboard shortcuts',
    keys: [
      ['j / k', 'next / previous comment'],
      ['a', 'approve'],
      ['r', 'reject (with a reason)'],
      ['b', 'ban the author'],
      ['c', 'close the thread'],
      ['r', 'in Notices: remove the noticed comment (with a reason)'],
      ['1–6', 'switch queue'],
      ['u', 'refresh the list'],
    ],
    notice: 'Notice',
    noticeFacts: 'Explanation',
    notifier: 'The notifier',
    notifierText: (n: { named: boolean; email: boolean }) =>
      n.named && n.email
        ? 'gave a name and an e-mail address'
        : n.named
          ? 'gave a name'
          : n.email
            ? 'gave an e-mail address'
            : 'gave no contact details',
    openNotices: 'Open notices about the comment',
    noticedComment: 'The noticed comment',
    commentGone: 'The comment no longer exists.',
    remove: 'Remove the comment…',
    removeNow: 'Remove the comment',
    noAction: 'No action',
    removed: 'The comment is removed and the notice decided.',
    noActionTaken: 'The notice is decided without action.',
    noticeDecided: 'Another moderator has already decided this notice. The list has been updated.',
    appeal: 'Appeal',
    actions: { rejected: 'Rejected comment', removed: 'Removed comment', banned: 'Ban' } as Record<string, string>,
    appealText: 'The appeal',
    original: 'The decision appealed',
    decision: 'Decision',
    decidedBy: 'Made by',
    automated: "automatically (the site's filter)",
    aModerator: 'a moderator',
    when: 'Date',
    modNote: "The moderator's note",
    theComment: 'The comment',
    theBan: 'The ban',
    bannedUntil: (d: string | null) => (d ? `until ${d}` : 'until further notice'),
    uphold: 'Uphold the decision…',
    upholdNow: 'Uphold the decision',
    reverse: 'Change the decision…',
    reverseNow: 'Change the decision',
    caseNote: 'Grounds (kept in the log, optional)',
    upheld: 'The decision is upheld.',
    reversed: 'The decision is changed.',
    sameModerator: 'You made the decision appealed: another moderator must decide the appeal.',
    appealDecided: 'The appeal has already been decided. The list has been updated.',
    network: 'Could not reach the service. Please try again.',
    status: { pending: 'pending', published: 'published', rejected: 'rejected', removed: 'removed' } as Record<
      string,
      string
    >,
    dateLocale: 'en-GB',
  },
};

const STORE = 'kommentarer.moderate';
const params = new URLSearchParams(location.hash.slice(1));
// Swedish unless asked for English (#lang=en); the choice is kept for the tab.
const lang: Lang = (params.get('lang') ?? sessionStorage.getItem(`${STORE}.lang`)) === 'en' ? 'en' : 'sv';
sessionStorage.setItem(`${STORE}.lang`, lang);
const t = TEXT[lang];
const refreshMs = Math.max(1, Number(params.get('refresh')) || 10) * 1000;
const app = document.getElementById('app') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;

let session: { site: string; token: string } | null = null;
let queue: Queue = 'pending';
/** Whether the moderator has been shown a queue yet: the first is Anmälningar when notices wait. */
let queueChosen = false;
let items: AnyItem[] = [];
let cursor: string | null = null;
/** The site's origins, from the queue: a thread is linked only to an address on them. */
let origins: string[] = [];
let selected = -1;
let counts: Counts | null = null;
let shownCount = -1;
let timer: ReturnType<typeof setInterval> | undefined;

const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
const countsLive = h('p', { class: 'sr', 'aria-live': 'polite' });
const list = h('ol', { class: 'items' });
const moreBox = h('div');
const refreshBox = h('div');
const tabs = new Map<Queue, HTMLButtonElement>();

// Same origin as the API, with the token the moderator logged in with (never refreshed).
const call = apiClient({
  base: '',
  lang: () => lang,
  session: { token: async () => session?.token ?? null },
  networkMessage: () => t.network,
});

const sitePath = () => `/api/v1/sites/${encodeURIComponent((session as { site: string }).site)}/moderation`;

function say(message: string, error = false): void {
  status.textContent = message;
  status.className = error ? 'status err' : 'status ok';
}

// ---------- login ----------

function showLogin(message = ''): void {
  clearInterval(timer);
  session = null;
  who.textContent = '';
  const site = h('input', {
    id: 'site',
    name: 'site',
    required: true,
    autocomplete: 'off',
    value: params.get('site') ?? '',
  });
  const token = h('textarea', {
    id: 'token',
    name: 'token',
    required: true,
    'aria-describedby': 'token-hint',
    spellcheck: 'false',
  });
  const err = h('p', { class: 'err', 'aria-live': 'polite' }, message);
  const form = h(
    'form',
    { class: 'card login' },
    h('h2', null, t.loginHeading),
    h('label', { for: 'site' }, t.site),
    site,
    h('label', { for: 'token' }, t.token),
    token,
    h('p', { id: 'token-hint', class: 'hint' }, t.tokenHint),
    err,
    h('button', { type: 'submit', class: 'primary' }, t.logIn),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ok = await tryLogin(site.value.trim(), token.value.trim());
    if (!ok.ok) err.textContent = ok.message;
  });
  fill(app, form);
  (site.value ? token : site).focus();
}

async function tryLogin(site: string, token: string): Promise<{ ok: true } | { ok: false; message: string }> {
  session = { site, token };
  try {
    counts = await call<Counts>('GET', `${sitePath()}/queues`);
  } catch (err) {
    session = null;
    return { ok: false, message: (err as Error).message };
  }
  sessionStorage.setItem(STORE, JSON.stringify(session));
  showQueues();
  return { ok: true };
}

function logout(): void {
  sessionStorage.removeItem(STORE);
  showLogin();
}

// ---------- queues ----------

function showQueues(): void {
  const s = session as { site: string; token: string };
  if (!queueChosen && counts?.notices) queue = 'notices';
  queueChosen = true;
  who.textContent = t.who(String(claimsOf(s.token)?.name ?? '') || '?', s.site);
  const tablist = h('div', { role: 'tablist', 'aria-label': t.queues, onkeydown: (e) => tabKeys(e as KeyboardEvent) });
  for (const q of QUEUES) {
    const tab = h('button', {
      type: 'button',
      role: 'tab',
      id: `tab-${q}`,
      'aria-controls': 'panel',
      'data-queue': q,
      onclick: () => switchQueue(q),
    });
    tabs.set(q, tab);
    tablist.append(tab);
  }
  const panel = h('section', { role: 'tabpanel', id: 'panel', tabindex: -1 }, status, refreshBox, list, moreBox);
  fill(
    app,
    h(
      'div',
      { class: 'bar' },
      h('p', { class: 'hint' }, `${t.shortcuts}: j/k, a, r, b, c, 1–6, u`),
      h('button', { type: 'button', onclick: logout }, t.logOut),
    ),
    tablist,
    countsLive,
    panel,
    help(),
  );
  renderTabs();
  void switchQueue(queue, false);
  clearInterval(timer);
  timer = setInterval(() => void refreshCounts(), refreshMs);
}

function help(): HTMLElement {
  const dl = h('dl');
  for (const [key, what] of t.keys)
    append(dl, h('dt', null, h('kbd', null, key as string)), h('dd', null, what as string));
  return h('aside', { class: 'help card', 'aria-labelledby': 'help-h' }, h('h2', { id: 'help-h' }, t.shortcuts), dl);
}

function renderTabs(): void {
  for (const [q, tab] of tabs) {
    const selectedTab = q === queue;
    tab.setAttribute('aria-selected', String(selectedTab));
    tab.tabIndex = selectedTab ? 0 : -1;
    const n = counts?.[q];
    fill(tab, t.names[q], ' ', h('span', { class: 'n', 'data-count': n ?? '' }, n === undefined ? '' : `(${n})`));
  }
  document.getElementById('panel')?.setAttribute('aria-labelledby', `tab-${queue}`);
}

function tabKeys(e: KeyboardEvent): void {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const i = QUEUES.indexOf(queue) + (e.key === 'ArrowRight' ? 1 : QUEUES.length - 1);
  const next = QUEUES[i % QUEUES.length] as Queue;
  void switchQueue(next).then(() => tabs.get(next)?.focus());
}

async function refreshCounts(): Promise<void> {
  if (!session) return;
  try {
    const next = await call<Counts>('GET', `${sitePath()}/queues`);
    const changed = !counts || QUEUES.some((q) => counts?.[q] !== next[q]);
    counts = next;
    renderTabs();
    if (changed) countsLive.textContent = t.countsLive(next);
    if (next[queue] !== shownCount) {
      fill(
        refreshBox,
        h('button', { type: 'button', class: 'primary', onclick: () => void loadList(true) }, t.newItems),
      );
    } else {
      fill(refreshBox);
    }
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) showLogin(err.message);
  }
}

async function switchQueue(q: Queue, announce = true): Promise<void> {
  queue = q;
  renderTabs();
  if (announce) say('');
  await loadList(false);
}

async function loadList(focusFirst: boolean): Promise<void> {
  fill(refreshBox);
  fill(list, h('li', { class: 'empty' }, t.loading));
  try {
    const page = await call<QueuePage>('GET', `${sitePath()}/queues/${queue}?limit=20`);
    // Cases name the site's reasons: their labels are read before the list is shown.
    if (queue === 'notices' || queue === 'appeals') await siteReasons().catch(() => []);
    items = page.items;
    origins = page.origins ?? [];
    cursor = page.nextCursor;
    // Counts are read in the same breath, so the tab and the list agree.
    counts = await call<Counts>('GET', `${sitePath()}/queues`);
    shownCount = counts[queue];
    renderTabs();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return showLogin(err.message);
    items = [];
    cursor = null;
    say((err as Error).message, true);
  }
  selected = items.length ? 0 : -1;
  renderList();
  if (focusFirst) focusItem(0);
}

async function loadMore(): Promise<void> {
  try {
    const page = await call<QueuePage>(
      'GET',
      `${sitePath()}/queues/${queue}?limit=20&cursor=${encodeURIComponent(cursor as string)}`,
    );
    const from = items.length;
    items.push(...page.items);
    cursor = page.nextCursor;
    renderList();
    focusItem(from);
  } catch (err) {
    say((err as Error).message, true);
  }
}

function renderList(): void {
  fill(list, ...(items.length ? items.map((item, i) => itemView(item, i)) : [h('li', { class: 'empty' }, t.empty)]));
  fill(moreBox, cursor && h('button', { type: 'button', onclick: () => void loadMore() }, t.more));
}

function dateText(iso: string): string {
  return new Intl.DateTimeFormat(t.dateLocale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function itemView(any: AnyItem, index: number): HTMLLIElement {
  if ('kind' in any) return any.kind === 'notice' ? noticeView(any, index) : appealView(any, index);
  const item = any;
  const { comment, author, thread } = item;
  const headingId = `item-${comment.id}-h`;
  // The address came from the thread's first commenter: never a link off the site.
  const articleUrl = thread.url && isOnOrigins(thread.url, origins) ? safeHref(thread.url) : null;
  // A published comment can be shown in place on the article (the widget follows the anchor).
  const threadLink = articleUrl && comment.status === 'published' ? permalink(articleUrl, comment.id) : articleUrl;
  const threadName = thread.title ?? thread.key;
  const slot = h('div', { class: 'slot' });
  const decide =
    queue !== 'approved' &&
    h(
      'button',
      { type: 'button', class: 'approve', 'data-action': 'approve', onclick: () => void decision(index, 'approve') },
      t.approve,
    );
  const reject =
    queue !== 'rejected' &&
    h(
      'button',
      { type: 'button', class: 'reject', 'data-action': 'reject', onclick: () => void openReject(index) },
      t.reject,
    );
  const li = h(
    'li',
    {
      class: index === selected ? 'item selected' : 'item',
      tabindex: -1,
      'data-id': comment.id,
      'aria-labelledby': headingId,
      onfocus: () => select(index),
    },
    h(
      'h3',
      { id: headingId },
      `${t.by} ${author?.name ?? t.unknownAuthor}`,
      author && h('span', { class: 'hint' }, ` (${author.sub})`),
    ),
    h(
      'p',
      { class: 'meta' },
      h('time', { datetime: comment.createdAt }, dateText(comment.createdAt)),
      ' · ',
      t.status[comment.status] ?? comment.status,
      ' · ',
      `${t.thread}: `,
      threadLink ? h('a', { href: threadLink }, threadName) : threadName,
      thread.status === 'closed' && ` (${t.closedThread})`,
    ),
    h('p', { class: 'body' }, comment.body),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, t.history),
      h('dd', null, author ? t.historyText(author.history) : t.none),
      h('dt', null, t.rules),
      h(
        'dd',
        null,
        item.rules.length
          ? h(
              'ul',
              null,
              ...item.rules.map((r) => h('li', null, `${r.rule}: ${r.action}${r.detail ? ` (${r.detail})` : ''}`)),
            )
          : t.none,
      ),
      h('dt', null, t.reports),
      h(
        'dd',
        null,
        item.reports.length
          ? h(
              'ul',
              null,
              ...item.reports.map((r) =>
                h(
                  'li',
                  null,
                  `${t.reasons[r.reason] ?? r.reason}${r.note ? ` – ${r.note}` : ''} (${dateText(r.createdAt)})`,
                ),
              ),
            )
          : t.none,
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      decide,
      reject,
      author && h('button', { type: 'button', 'data-action': 'ban', onclick: () => void openBan(index) }, t.ban),
      thread.status === 'open'
        ? h('button', { type: 'button', 'data-action': 'close', onclick: () => void closeThread(index, true) }, t.close)
        : h(
            'button',
            { type: 'button', 'data-action': 'reopen', onclick: () => void closeThread(index, false) },
            t.reopen,
          ),
    ),
    slot,
  );
  return li;
}

/** A reason's label in the page's language (the id when the site no longer has it). */
function reasonLabel(id: string | null): string {
  if (!id) return t.none;
  return reasons?.list.find((r) => r.id === id)?.label[lang] ?? id;
}

/** A case's heading and the shared parts of its item: focusable, selectable, with its slot. */
function caseItem(id: string, index: number, heading: string, ...children: Array<HTMLElement | false>): HTMLLIElement {
  const headingId = `item-${id}-h`;
  return h(
    'li',
    {
      class: index === selected ? 'item selected' : 'item',
      tabindex: -1,
      'data-id': id,
      'aria-labelledby': headingId,
      onfocus: () => select(index),
    },
    h('h3', { id: headingId }, heading),
    ...children,
    h('div', { class: 'slot' }),
  );
}

function commentBox(
  heading: string,
  comment: { body: string; status: string; createdAt: string; thread: string; author?: { name: string } | null },
): HTMLElement {
  return h(
    'section',
    { class: 'case-part' },
    h('h4', null, heading),
    h(
      'p',
      { class: 'meta' },
      comment.author !== undefined && `${t.by} ${comment.author?.name ?? t.unknownAuthor} · `,
      h('time', { datetime: comment.createdAt }, dateText(comment.createdAt)),
      ' · ',
      t.status[comment.status] ?? comment.status,
      ' · ',
      `${t.thread}: ${comment.thread}`,
    ),
    h('p', { class: 'body' }, comment.body),
  );
}

function noticeView(item: NoticeItem, index: number): HTMLLIElement {
  return caseItem(
    item.id,
    index,
    `${t.notice}: ${reasonLabel(item.reasonId)}`,
    h('p', { class: 'meta' }, h('time', { datetime: item.createdAt }, dateText(item.createdAt))),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, t.noticeFacts),
      h('dd', { class: 'explanation' }, item.explanation),
      h('dt', null, t.notifier),
      h('dd', null, t.notifierText(item.notifier)),
      h('dt', null, t.openNotices),
      h('dd', { class: 'open-notices' }, String(item.openNoticesOnComment)),
    ),
    item.comment ? commentBox(t.noticedComment, item.comment) : h('p', { class: 'gone' }, t.commentGone),
    h(
      'div',
      { class: 'actions' },
      item.comment &&
        h(
          'button',
          { type: 'button', class: 'reject', 'data-action': 'remove', onclick: () => void openNoticeRemove(index) },
          t.remove,
        ),
      h(
        'button',
        {
          type: 'button',
          'data-action': 'no_action',
          onclick: () => void caseDecision(index, { action: 'no_action' }, t.noActionTaken),
        },
        t.noAction,
      ),
    ),
  );
}

function appealView(item: AppealItem, index: number): HTMLLIElement {
  const o = item.original;
  const why = `appeal-${item.id}-why`;
  const button = (label: string, cls: string | null, outcome: 'upheld' | 'reversed') =>
    h(
      'button',
      {
        type: 'button',
        class: cls,
        'data-action': outcome,
        disabled: !item.mayDecide,
        'aria-describedby': item.mayDecide ? null : why,
        onclick: () => void openAppealDecision(index, outcome),
      },
      label,
    );
  return caseItem(
    item.id,
    index,
    `${t.appeal}: ${t.actions[o.action] ?? o.action}`,
    h('p', { class: 'meta' }, h('time', { datetime: item.createdAt }, dateText(item.createdAt))),
    h(
      'div',
      { class: 'cols' },
      h('section', { class: 'case-part' }, h('h4', null, t.appealText), h('p', { class: 'body' }, item.text)),
      h(
        'section',
        { class: 'case-part original' },
        h('h4', null, t.original),
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, t.decision),
          h('dd', null, t.actions[o.action] ?? o.action),
          h('dt', null, t.reasonPick),
          h('dd', null, reasonLabel(o.reasonId)),
          h('dt', null, t.decidedBy),
          h('dd', null, o.by === 'system' ? t.automated : (o.moderator?.name ?? t.aModerator)),
          h('dt', null, t.when),
          h('dd', null, h('time', { datetime: o.at }, dateText(o.at))),
          h('dt', null, t.modNote),
          h('dd', null, o.note ?? t.none),
        ),
      ),
    ),
    item.comment
      ? commentBox(t.theComment, item.comment)
      : item.ban
        ? h(
            'section',
            { class: 'case-part' },
            h('h4', null, t.theBan),
            h('p', null, t.bannedUntil(item.ban.until && dateText(item.ban.until))),
          )
        : h('p', { class: 'gone' }, t.commentGone),
    h(
      'div',
      { class: 'actions' },
      button(t.uphold, 'reject', 'upheld'),
      button(t.reverse, 'approve', 'reversed'),
      !item.mayDecide && h('p', { id: why, class: 'hint' }, t.sameModerator),
    ),
  );
}

/**
 * Decides the notice or appeal at `index`; on success it leaves the list. Resolves to the
 * error to show in its form, or null.
 */
async function caseDecision(index: number, body: Record<string, unknown>, done: string): Promise<string | null> {
  const item = items[index];
  if (!item || !('kind' in item)) return null;
  const path = `${sitePath()}/${item.kind === 'notice' ? 'notices' : 'appeals'}/${encodeURIComponent(item.id)}/decision`;
  try {
    await call('POST', path, body);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ALREADY_DECIDED') {
      await loadList(false);
      say(item.kind === 'notice' ? t.noticeDecided : t.appealDecided, true);
      focusItem(index);
      return null;
    }
    const message = err instanceof ApiError && err.code === 'SAME_MODERATOR' ? t.sameModerator : (err as Error).message;
    say(message, true);
    return message;
  }
  say(done);
  items.splice(index, 1);
  shownCount = Math.max(0, shownCount - 1);
  renderList();
  focusItem(index);
  void refreshCounts();
  return null;
}

/** "Ta bort kommentaren": the reason picker, preselected to the notice's category, and a note. */
async function openNoticeRemove(index: number): Promise<void> {
  const item = items[index] as NoticeItem | undefined;
  if (!item) return;
  let picker;
  try {
    picker = await reasonPicker(`remove-${index}-reason`, item.reasonId);
  } catch (err) {
    return say((err as Error).message, true);
  }
  const note = h('input', { id: `remove-${index}-note`, type: 'text', maxlength: 500 });
  const err = h('p', { class: 'err', 'aria-live': 'polite' });
  inlineForm(
    index,
    [...picker.fields, h('label', { for: note.id }, t.caseNote), note, err],
    t.removeNow,
    'reject',
    async () => {
      const reasonId = picker.value();
      if (!reasonId) return;
      const body: Record<string, unknown> = { action: 'remove', reasonId };
      if (note.value.trim()) body.reason = note.value.trim();
      err.textContent = (await caseDecision(index, body, t.removed)) ?? '';
    },
  );
}

/** "Fastställ beslutet" names a reason (preselected to the original's); "Ändra beslutet" may give grounds. */
async function openAppealDecision(index: number, outcome: 'upheld' | 'reversed'): Promise<void> {
  const item = items[index] as AppealItem | undefined;
  if (!item?.mayDecide) return;
  let picker = null;
  try {
    if (outcome === 'upheld') picker = await reasonPicker(`appeal-${index}-reason`, item.original.reasonId);
  } catch (err) {
    return say((err as Error).message, true);
  }
  const note = h('input', { id: `appeal-${index}-note`, type: 'text', maxlength: 500 });
  const err = h('p', { class: 'err', 'aria-live': 'polite' });
  inlineForm(
    index,
    [...(picker?.fields ?? []), h('label', { for: note.id }, t.caseNote), note, err],
    outcome === 'upheld' ? t.upholdNow : t.reverseNow,
    outcome === 'upheld' ? 'reject' : 'approve',
    async () => {
      const body: Record<string, unknown> = { outcome };
      if (picker) {
        const reasonId = picker.value();
        if (!reasonId) return;
        body.reasonId = reasonId;
      }
      if (note.value.trim()) body.reason = note.value.trim();
      err.textContent = (await caseDecision(index, body, outcome === 'upheld' ? t.upheld : t.reversed)) ?? '';
    },
  );
}

function itemElement(index: number): HTMLLIElement | null {
  return list.children[index] instanceof HTMLLIElement && list.children[index]?.classList.contains('item')
    ? (list.children[index] as HTMLLIElement)
    : null;
}

function select(index: number): void {
  if (index === selected) return;
  itemElement(selected)?.classList.remove('selected');
  selected = index;
  itemElement(selected)?.classList.add('selected');
}

function focusItem(index: number): void {
  if (!items.length) return;
  const i = Math.max(0, Math.min(items.length - 1, index));
  select(i);
  itemElement(i)?.focus();
}

async function decision(
  index: number,
  action: 'approve' | 'reject',
  reason?: { reasonId: string; note?: string },
): Promise<void> {
  const item = items[index];
  if (!item || 'kind' in item) return;
  try {
    const body: Record<string, unknown> = { action, version: item.version };
    if (reason) body.reasonId = reason.reasonId;
    if (reason?.note) body.reason = reason.note;
    await call('POST', `${sitePath()}/comments/${item.comment.id}/decision`, body);
    say(action === 'approve' ? t.approved : t.rejected);
    items.splice(index, 1);
    shownCount = Math.max(0, shownCount - 1);
    renderList();
    focusItem(index);
    void refreshCounts();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'ALREADY_DECIDED') {
      await loadList(false);
      say(t.alreadyDecided, true);
      focusItem(index);
    } else {
      say((err as Error).message, true);
    }
  }
}

function inlineForm(
  index: number,
  fields: HTMLElement[],
  submitLabel: string,
  submitClass: string,
  onSubmit: () => Promise<void>,
): void {
  const li = itemElement(index);
  const slot = li?.querySelector('.slot');
  if (!li || !slot) return;
  const cancel = () => {
    fill(slot);
    li.focus();
  };
  const form = h(
    'form',
    {
      novalidate: true,
      onkeydown: (e) => {
        if ((e as KeyboardEvent).key === 'Escape') cancel();
      },
    },
    ...fields,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', class: submitClass }, submitLabel),
      h('button', { type: 'button', onclick: cancel }, t.cancel),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void onSubmit();
  });
  fill(slot, form);
  form.querySelector<HTMLElement>('select, input, textarea')?.focus();
}

/** The site's reasons, read once per site: every rejection and ban names one of them. */
let reasons: { site: string; list: Array<{ id: string; label: Record<Lang, string> }> } | null = null;

async function siteReasons(): Promise<Array<{ id: string; label: Record<Lang, string> }>> {
  const site = (session as { site: string }).site;
  if (reasons?.site !== site) {
    const answer = await call<{ reasons: Array<{ id: string; label: Record<Lang, string> }> }>(
      'GET',
      `/api/v1/sites/${encodeURIComponent(site)}/reasons`,
    );
    reasons = { site, list: answer.reasons };
  }
  return reasons.list;
}

/** A required choice of the site's reasons, labelled, with its error announced. */
async function reasonPicker(
  id: string,
  preselect: string | null = null,
): Promise<{ fields: HTMLElement[]; value: () => string | null }> {
  const select = h(
    'select',
    { id, required: true, 'aria-describedby': `${id}-err` },
    h('option', { value: '' }, t.reasonNone),
    ...(await siteReasons()).map((r) => h('option', { value: r.id, selected: r.id === preselect }, r.label[lang])),
  ) as HTMLSelectElement;
  const err = h('p', { id: `${id}-err`, class: 'err', 'aria-live': 'polite' });
  return {
    fields: [h('label', { for: id }, t.reasonPick), select, err],
    value: () => {
      if (select.value) return select.value;
      err.textContent = t.reasonMissing;
      select.setAttribute('aria-invalid', 'true');
      select.focus();
      return null;
    },
  };
}

async function openReject(index: number): Promise<void> {
  const id = `reject-${index}`;
  let picker;
  try {
    picker = await reasonPicker(`${id}-reason`);
  } catch (err) {
    return say((err as Error).message, true);
  }
  const input = h('input', { id, type: 'text', maxlength: 500 });
  inlineForm(
    index,
    [...picker.fields, h('label', { for: id }, t.rejectReason), input],
    t.rejectNow,
    'reject',
    async () => {
      const reasonId = picker.value();
      if (reasonId) await decision(index, 'reject', { reasonId, note: input.value.trim() || undefined });
    },
  );
}

async function openBan(index: number): Promise<void> {
  const item = items[index];
  if (!item || 'kind' in item || !item.author) return;
  const author = item.author;
  let picker;
  try {
    picker = await reasonPicker(`ban-${index}-reasonid`);
  } catch (e) {
    return say((e as Error).message, true);
  }
  const reason = h('input', { id: `ban-${index}-reason`, type: 'text', maxlength: 500, required: true });
  const until = h('input', { id: `ban-${index}-until`, type: 'date' });
  const err = h('p', { class: 'err', 'aria-live': 'polite' });
  inlineForm(
    index,
    [
      ...picker.fields,
      h('label', { for: reason.id }, t.banReason),
      reason,
      h('label', { for: until.id }, t.banUntil),
      until,
      err,
    ],
    t.banNow,
    'danger',
    async () => {
      const reasonId = picker.value();
      if (!reasonId) return;
      const body: Record<string, unknown> = { reasonId, reason: reason.value.trim() };
      if (until.value) body.until = new Date(`${until.value}T23:59:59`).toISOString();
      try {
        await call('POST', `${sitePath()}/users/${encodeURIComponent(author.sub)}/ban`, body);
        say(t.banned(author.name));
        fill(itemElement(index)?.querySelector('.slot') as Element);
        itemElement(index)?.focus();
      } catch (e) {
        err.textContent = (e as Error).message;
      }
    },
  );
}

async function closeThread(index: number, close: boolean): Promise<void> {
  const item = items[index];
  if (!item || 'kind' in item) return;
  try {
    await call('POST', `${sitePath()}/threads/${close ? 'close' : 'reopen'}`, { thread: item.thread.key });
    for (const other of items)
      if (!('kind' in other) && other.thread.key === item.thread.key) other.thread.status = close ? 'closed' : 'open';
    say(close ? t.closed : t.reopened);
    renderList();
    focusItem(index);
  } catch (err) {
    say((err as Error).message, true);
  }
}

// ---------- keyboard ----------

document.addEventListener('keydown', (e) => {
  if (!session || e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target as HTMLElement;
  if (target.closest('input, textarea, select, [contenteditable]')) return;
  const key = e.key;
  const current = items[selected];
  // a, r, b and c act on a comment; in the notices queue r removes the noticed comment.
  const onComment = !!current && !('kind' in current);
  if (key === 'j' || key === 'k') {
    e.preventDefault();
    focusItem(selected + (key === 'j' ? 1 : -1));
  } else if (key === 'r' && current && 'kind' in current && current.kind === 'notice' && current.comment) {
    e.preventDefault();
    void openNoticeRemove(selected);
  } else if (!onComment && /^[abrc]$/.test(key)) {
    return;
  } else if (key === 'a' && selected >= 0 && queue !== 'approved') {
    e.preventDefault();
    void decision(selected, 'approve');
  } else if (key === 'r' && selected >= 0 && queue !== 'rejected') {
    e.preventDefault();
    void openReject(selected);
  } else if (key === 'b' && selected >= 0) {
    e.preventDefault();
    void openBan(selected);
  } else if (key === 'c' && selected >= 0 && (current as Item).thread.status === 'open') {
    e.preventDefault();
    void closeThread(selected, true);
  } else if (key === 'u') {
    e.preventDefault();
    void loadList(true);
  } else if (/^[1-6]$/.test(key)) {
    e.preventDefault();
    const q = QUEUES[Number(key) - 1] as Queue;
    void switchQueue(q).then(() => tabs.get(q)?.focus());
  }
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refreshCounts();
});

// ---------- start ----------

document.documentElement.lang = lang;
document.title = `${t.title} – Kommentarer`;
(document.getElementById('title') as HTMLElement).textContent = t.title;
const fromHash =
  params.get('token') && params.get('site')
    ? { site: params.get('site') as string, token: params.get('token') as string }
    : null;
if (location.hash) history.replaceState(null, '', location.pathname + location.search);
let stored: { site: string; token: string } | null = null;
try {
  stored = JSON.parse(sessionStorage.getItem(STORE) ?? 'null');
} catch {
  stored = null;
}
const start = fromHash ?? stored;
if (start) {
  void tryLogin(start.site, start.token).then((r) => {
    if (!r.ok) showLogin(r.message);
  });
} else {
  showLogin();
}
