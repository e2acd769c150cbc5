import { append, Child, fill, h, safeHref } from '../shared/dom';
import { Ban, Comment, Decision, Reason, ReplyPage, ThreadInfo } from './api-types';
import { appealPart } from './appeal';
import { ApiError, Call, networkError } from '../shared/api-client';
import { claimsOf } from '../shared/jwt-claims';
import { composer } from './composer';
import { Lang, STRINGS, Strings } from './i18n';
import { linkedCommentId, permalink } from '../shared/links';
import { noticeForm } from './notice-form';

/** The reader's mail choices as GET/PATCH …/me/mail answer them. */
interface MailChoices {
  offered: boolean;
  replies: boolean;
  decisions: boolean;
}

export interface WidgetOptions {
  base: string;
  site: string;
  thread: string;
  lang: Lang | null;
  title: string | null;
  url: string;
  limit: number;
  call: Call;
  token(): string | null;
}

/** How far the widget pages through a thread to find a linked comment. */
const MAX_PAGES_TO_REVEAL = 20;
/** Replies "Visa fler svar" loads at a time. */
const REPLIES_PER_PAGE = 50;
/** How far the pending-comment check pages through a comment's replies to find the reader's own. */
const MAX_REPLY_PAGES_TO_WATCH = 5;

let instances = 0;

/** One comment section in one shadow root. */
export class Widget {
  private readonly id = `k${++instances}`;
  private lang: Lang;
  private t: Strings;
  private info: ThreadInfo | null = null;
  private sort: 'oldest' | 'newest' = 'oldest';
  private nextCursor: string | null = null;
  private readonly box = h('section', { class: 'k' });
  private readonly list = h('ol', { class: 'list' });
  private readonly status = h('p', { class: 'status', role: 'status' });
  private readonly compose = h('div', { class: 'compose' });
  private readonly more = h('div', { class: 'more' });
  private readonly aside = h('div');
  private banned = false;
  /** The reader's ban (GET …/me/ban), once read; asked once per session. */
  private ban: Ban | null = null;
  private banAsked = false;
  private watching = false;
  /** Replies the reader posted in this view. */
  private readonly postedHere = new Set<string>();
  /** The reader's mail choices (GET …/me/mail), read once per session. */
  private mail: Promise<MailChoices | null> | null = null;
  /** The site's reasons, read once when a statement of a decision needs their labels. */
  private reasons: Promise<Reason[]> | null = null;
  /** The mail choice boxes shown (next to the form, in "Mina uppgifter"), kept alike. */
  private readonly mailBoxes = new Set<{ el: HTMLElement; refresh(c: MailChoices): void }>();

  constructor(
    private readonly root: ShadowRoot,
    private readonly o: WidgetOptions,
  ) {
    this.lang = o.lang ?? 'sv';
    this.t = STRINGS[this.lang];
    root.append(this.box);
    fill(this.box, h('p', { class: 'muted' }, this.t.loading));
  }

  /** The language texts and API messages are in. */
  get language(): Lang {
    return this.lang;
  }

  /** Loads the thread, its first page of comments and the site's texts in one request. */
  async load(): Promise<void> {
    try {
      const q = `key=${encodeURIComponent(this.o.thread)}&include=comments&sort=${this.sort}&limit=${this.o.limit}`;
      this.info = await this.o.call<ThreadInfo>('GET', `/api/v1/sites/${encodeURIComponent(this.o.site)}/thread?${q}`);
    } catch (err) {
      fill(this.box, h('p', { class: 'err' }, (err as Error).message));
      return;
    }
    if (!this.o.lang && this.info.site.locale !== this.lang) {
      this.lang = this.info.site.locale;
      this.t = STRINGS[this.lang];
    }
    this.nextCursor = this.info.nextCursor;
    this.render();
    // After the mail choices' read, which renews a refused token first: then this one carries the fresh one.
    if (this.o.token() && !this.banAsked) {
      this.banAsked = true;
      void (this.mail ?? Promise.resolve()).then(() => this.readBan());
    }
  }

  /** Whether the reader is banned, and the statement of it (GET …/me/ban); `note` stays shown above it. */
  private async readBan(note?: string): Promise<void> {
    try {
      const { ban } = await this.o.call<{ ban: Ban | null }>(
        'GET',
        `/api/v1/sites/${encodeURIComponent(this.o.site)}/me/ban`,
      );
      if (!ban) return;
      const wasBanned = this.banned;
      this.ban = ban;
      this.banned = true;
      if (wasBanned) this.renderCompose(note);
      else this.render();
    } catch {
      // Unknown: writing says so (403 BANNED) if it is so.
    }
  }

  /** Called when the host logs in or out: reload so the own pending comments and actions fit. */
  async sessionChanged(): Promise<void> {
    this.banned = false;
    this.ban = null;
    this.banAsked = false;
    this.mail = null;
    const focusInside = this.root.activeElement !== null;
    await this.load();
    if (focusInside) this.box.querySelector<HTMLElement>('textarea, .compose a, h2')?.focus();
  }

  private render(): void {
    const { t, id } = this;
    const info = this.info as ThreadInfo;
    const sortSelect = h(
      'select',
      { id: `${id}-sort`, onchange: (e) => this.changeSort((e.target as HTMLSelectElement).value) },
      h('option', { value: 'oldest', selected: this.sort === 'oldest' }, t.oldest),
      h('option', { value: 'newest', selected: this.sort === 'newest' }, t.newest),
    );
    this.box.setAttribute('lang', this.lang);
    this.box.setAttribute('aria-labelledby', `${id}-h`);
    fill(
      this.box,
      h(
        'h2',
        { id: `${id}-h`, tabindex: -1 },
        t.heading,
        ' ',
        h('span', { class: 'n' }, `(${info.thread.commentCount})`),
      ),
      h(
        'div',
        { class: 'bar' },
        h('p', { class: 'muted' }, t.count(info.thread.commentCount)),
        h('label', { for: sortSelect.id }, t.sort),
        sortSelect,
      ),
      this.status,
      this.list,
      this.more,
      this.compose,
      this.aside,
    );
    this.renderList();
    this.renderCompose();
    this.renderAside();
  }

  private async changeSort(value: string): Promise<void> {
    this.sort = value === 'newest' ? 'newest' : 'oldest';
    await this.load();
    this.box.querySelector<HTMLSelectElement>('select')?.focus();
  }

  private renderList(): void {
    const comments = (this.info as ThreadInfo).comments;
    fill(this.list, ...comments.map((c) => this.item(c)));
    this.list.hidden = comments.length === 0;
    fill(
      this.more,
      comments.length === 0 && h('p', { class: 'muted' }, this.t.empty),
      this.nextCursor && h('button', { type: 'button', onclick: () => this.loadMore() }, this.t.more),
    );
  }

  private async loadMore(focusNew = true): Promise<boolean> {
    const info = this.info as ThreadInfo;
    try {
      const page = await this.o.call<{ comments: Comment[]; nextCursor: string | null }>(
        'GET',
        `/api/v1/sites/${encodeURIComponent(this.o.site)}/comments?thread=${encodeURIComponent(this.o.thread)}` +
          `&sort=${this.sort}&limit=${this.o.limit}&cursor=${encodeURIComponent(this.nextCursor as string)}`,
      );
      const known = new Set(info.comments.map((c) => c.id));
      const fresh = page.comments.filter((c) => !known.has(c.id));
      info.comments.push(...fresh);
      this.nextCursor = page.nextCursor;
      const items = fresh.map((c) => this.item(c));
      append(this.list, ...items);
      fill(this.more, this.nextCursor && h('button', { type: 'button', onclick: () => this.loadMore() }, this.t.more));
      // Keyboard users continue where the new comments start.
      if (focusNew) items[0]?.querySelector<HTMLElement>('article')?.focus();
      return true;
    } catch (err) {
      this.say((err as Error).message, true);
      return false;
    }
  }

  /**
   * A page address ending in #kommentar-<id> points at one comment: the widget loads
   * pages until it has it (a shadow root is out of the browser's own reach for anchors),
   * then scrolls to it, focuses and marks it. `mayPage` false: only among those loaded.
   */
  async reveal(mayPage: boolean): Promise<void> {
    const id = linkedCommentId(location.hash);
    if (!id || !this.info) return;
    const find = () => this.list.querySelector<HTMLElement>(`article[data-id="${id}"]`);
    for (let pages = 0; mayPage && !find() && this.nextCursor && pages < MAX_PAGES_TO_REVEAL; pages++) {
      if (!(await this.loadMore(false))) return;
    }
    const article = find();
    if (!article) return;
    this.list.querySelector('article.target')?.classList.remove('target');
    article.classList.add('target');
    article.scrollIntoView({ block: 'center' });
    article.focus({ preventScroll: true });
  }

  private say(message: string, error = false): void {
    this.status.textContent = message;
    this.status.className = error ? 'status err' : 'status';
  }

  /** The site's reasons, read once: the labels of decisions and the categories of notices. */
  private siteReasons(): Promise<Reason[]> {
    return (this.reasons ??= this.o
      .call<{ reasons: Reason[] }>('GET', `/api/v1/sites/${encodeURIComponent(this.o.site)}/reasons`)
      .then((r) => r.reasons)
      .catch(() => []));
  }

  /** A reason's label and the ground it rests on, filled in when the site's reasons are read. */
  private reasonLabel(id: string): HTMLElement {
    const el = h('span', null, id);
    void this.siteReasons().then((all) => {
      const found = all.find((r) => r.id === id);
      if (!found) return;
      const href = safeHref(found.ground.url);
      fill(
        el,
        found.label[this.lang],
        ' (',
        href ? h('a', { href, rel: 'noopener', target: '_blank' }, found.ground.text) : found.ground.text,
        ')',
      );
    });
    return el;
  }

  /**
   * The statement of a decision on the reader's own rejected or removed comment, or of
   * the reader's ban: the reason's label and its ground, who decided, when, and the appeal.
   */
  private statement(decision: Decision | Ban, key: string, ban = false): HTMLElement {
    const t = this.t;
    const by = 'by' in decision ? decision.by : 'moderator';
    const until = 'until' in decision ? decision.until : null;
    return h(
      'div',
      { class: 'statement' },
      ban && h('p', null, h('strong', null, t.youAreBanned)),
      decision.reasonId && h('p', null, h('strong', null, t.reasonIs), ' ', this.reasonLabel(decision.reasonId)),
      ban && h('p', null, t.bannedUntil(until && this.dateText(until))),
      h('p', null, t.decidedBy(by, decision.at ? this.dateText(decision.at) : '')),
      !ban && h('p', { class: 'muted' }, t.onlyYou),
      appealPart({
        id: `${this.id}-a-${key}`,
        t,
        decision,
        dateText: (iso) => this.dateText(iso),
        reasonLabel: (id) => this.reasonLabel(id),
        send: (text) =>
          this.o.call(
            'POST',
            ban
              ? `/api/v1/sites/${encodeURIComponent(this.o.site)}/me/ban/appeal`
              : `/api/v1/comments/${encodeURIComponent(key)}/appeal`,
            { text },
          ),
      }),
    );
  }

  private dateText(iso: string): string {
    return new Intl.DateTimeFormat(this.t.dateLocale, { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(iso),
    );
  }

  private item(c: Comment): HTMLLIElement {
    const { t } = this;
    // The author's own removed comment comes with its body and the decision; others see a tombstone.
    const decided = (c.status === 'rejected' || c.status === 'removed') && c.mine && c.decision;
    const removed = c.status === 'removed' && !decided;
    const slot = h('div', { class: 'slot' });
    const actions = h('div', { class: 'actions' });
    const article = h(
      'article',
      {
        class: 'c',
        tabindex: -1,
        'aria-label': `${t.by} ${c.author?.name ?? t.anonymous}`,
        'data-id': c.id,
        'data-status': c.status,
      },
      h(
        'p',
        { class: 'meta' },
        h('span', { class: 'author' }, removed ? t.anonymous : (c.author?.name ?? t.anonymous)),
        ' ',
        // The time links to the comment itself, as in most comment systems: a URL to share.
        removed
          ? h('time', { datetime: c.createdAt }, this.dateText(c.createdAt))
          : h(
              'a',
              { class: 'permalink', href: permalink(this.o.url, c.id) },
              h('time', { datetime: c.createdAt }, this.dateText(c.createdAt)),
            ),
        c.editedAt && !removed && h('span', { class: 'muted' }, ` (${t.edited})`),
        c.status === 'pending' && h('span', { class: 'badge' }, t.awaiting),
        c.status === 'rejected' && h('span', { class: 'badge rejected' }, t.rejected),
        decided && c.status === 'removed' && h('span', { class: 'badge rejected' }, t.removedByMod),
      ),
      removed ? h('p', { class: 'body muted' }, t.removed) : h('p', { class: 'body' }, c.body),
      decided && this.statement(c.decision as Decision, c.id),
      c.status === 'published' &&
        c.mine &&
        // An appeal brought it back: the comment says so beside itself.
        (c.appeal ?? c.decision?.appeal)?.outcome === 'reversed' &&
        h('p', { class: 'ok' }, t.appealReversed),
      actions,
      slot,
    );
    const li = h('li', { id: `${this.id}-c-${c.id}` }, article);
    if (c.status !== 'removed') this.fillActions(c, actions, slot, li);
    const replies = c.replies ?? [];
    if (c.parentId === null) {
      const ol = h('ol', { class: 'replies', 'aria-label': t.replies }, ...replies.map((r) => this.item(r)));
      ol.hidden = replies.length === 0;
      const more = h('div', { class: 'more-replies' });
      li.append(ol, more);
      this.fillMoreReplies(c, ol, more);
    }
    return li;
  }

  private fillMoreReplies(c: Comment, ol: HTMLOListElement, more: HTMLElement): void {
    fill(
      more,
      c.repliesCursor &&
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => this.loadMoreReplies(c, ol, more) },
          this.t.moreReplies,
        ),
    );
  }

  /**
   * The next page of a comment's replies, in their place: before the replies the reader
   * posted meanwhile, which are newer. Keyboard users continue at the first new one.
   */
  private async loadMoreReplies(c: Comment, ol: HTMLOListElement, more: HTMLElement): Promise<void> {
    try {
      const page = await this.replyPage(c.id, c.repliesCursor as string, REPLIES_PER_PAGE);
      const replies = (c.replies ??= []);
      const known = new Set(replies.map((r) => r.id));
      const fresh = page.replies.filter((r) => !known.has(r.id));
      const at = replies.findIndex((r) => this.postedHere.has(r.id));
      const before = at < 0 ? null : ol.querySelector(`#${this.id}-c-${(replies[at] as Comment).id}`);
      replies.splice(at < 0 ? replies.length : at, 0, ...fresh);
      c.repliesCursor = page.nextCursor;
      const items = fresh.map((r) => this.item(r));
      if (before) before.before(...items);
      else append(ol, ...items);
      ol.hidden = replies.length === 0;
      this.fillMoreReplies(c, ol, more);
      items[0]?.querySelector<HTMLElement>('article')?.focus();
    } catch (err) {
      this.say((err as Error).message, true);
    }
  }

  private replyPage(id: string, cursor: string, limit: number): Promise<ReplyPage> {
    return this.o.call<ReplyPage>(
      'GET',
      `/api/v1/sites/${encodeURIComponent(this.o.site)}/comments/${id}/replies?limit=${limit}&cursor=${encodeURIComponent(cursor)}`,
    );
  }

  private fillActions(c: Comment, actions: HTMLElement, slot: HTMLElement, li: HTMLLIElement): void {
    const { t } = this;
    const info = this.info as ThreadInfo;
    const loggedIn = !!this.o.token();
    const open = info.thread.status === 'open';
    const opener = (label: string, build: (button: HTMLButtonElement) => Child) => {
      const button: HTMLButtonElement = h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-expanded': 'false',
          onclick: () => {
            const wasOpen = button.getAttribute('aria-expanded') === 'true';
            actions.querySelectorAll('button').forEach((b) => b.setAttribute('aria-expanded', 'false'));
            fill(slot);
            if (wasOpen) return;
            button.setAttribute('aria-expanded', 'true');
            fill(slot, build(button));
            slot.querySelector<HTMLElement>('textarea, select, button')?.focus();
          },
        },
        label,
      );
      return button;
    };
    const close = (button: HTMLButtonElement) => {
      fill(slot);
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    };
    const windowMinutes = info.site.editWindowMinutes ?? 15;
    const editable = c.mine && open && Date.now() < Date.parse(c.createdAt) + windowMinutes * 60_000;
    append(
      actions,
      loggedIn &&
        open &&
        !this.banned &&
        c.parentId === null &&
        c.status === 'published' &&
        opener(
          t.reply,
          (b) =>
            composer({
              id: `${this.id}-r-${c.id}`,
              label: t.yourReply,
              submitLabel: t.send,
              max: info.thread.maxLength,
              t,
              cancel: () => close(b),
              submit: (text, key) => this.post(text, key, c, () => close(b)),
            }).form,
        ),
      editable &&
        opener(
          t.edit,
          (b) =>
            composer({
              id: `${this.id}-e-${c.id}`,
              label: t.editLabel,
              submitLabel: t.save,
              max: info.thread.maxLength,
              t,
              initial: c.body,
              cancel: () => close(b),
              submit: async (text) => {
                try {
                  const { comment } = await this.o.call<{ comment: Comment }>('PATCH', `/api/v1/comments/${c.id}`, {
                    body: text,
                  });
                  const wasPublished = c.status === 'published';
                  Object.assign(c, comment, { replies: c.replies });
                  if (wasPublished && comment.status !== 'published') this.countBy(-1);
                  const fresh = this.item(c);
                  li.replaceWith(fresh);
                  fresh.querySelector<HTMLElement>('article')?.focus();
                  this.say(t.saved);
                  void this.watch();
                  return null;
                } catch (err) {
                  return this.problem(err);
                }
              },
            }).form,
        ),
      c.mine &&
        opener(t.del, (b) =>
          h(
            'div',
            { class: 'confirm', role: 'group', 'aria-label': t.deleteConfirm },
            h('p', null, t.deleteConfirm),
            h('button', { type: 'button', class: 'danger', onclick: () => this.remove(c, li, slot) }, t.deleteYes),
            h('button', { type: 'button', onclick: () => close(b) }, t.cancel),
          ),
        ),
      loggedIn && !c.mine && c.status === 'published' && opener(t.report, (b) => this.reportForm(c, () => close(b))),
      // A notice of illegal content: anyone may send one, logged in or not, banned or not, open thread or closed.
      !c.mine &&
        c.status === 'published' &&
        opener(t.notice, (b) =>
          noticeForm({
            id: `${this.id}-n-${c.id}`,
            t,
            lang: this.lang,
            base: this.o.base,
            site: this.o.site,
            commentId: c.id,
            reasons: this.siteReasons(),
            call: this.o.call,
            cancel: () => close(b),
          }),
        ),
    );
  }

  private reportForm(c: Comment, done: () => void): HTMLFormElement {
    const { t } = this;
    const base = `${this.id}-p-${c.id}`;
    const select = h(
      'select',
      { id: `${base}-reason`, name: 'reason' },
      ...Object.entries(t.reasons).map(([value, label]) => h('option', { value }, label)),
    );
    const note = h('input', { id: `${base}-note`, name: 'note', type: 'text', maxlength: 500 });
    const err = h('p', { class: 'err', 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'report', novalidate: true },
      h('label', { for: select.id }, t.reason),
      select,
      h('label', { for: note.id }, t.note),
      note,
      err,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary' }, t.sendReport),
        h('button', { type: 'button', onclick: done }, t.cancel),
      ),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const body: Record<string, string> = { reason: select.value };
        if (note.value.trim()) body.note = note.value.trim();
        await this.o.call('POST', `/api/v1/comments/${c.id}/reports`, body);
        form.replaceWith(h('p', { class: 'ok', role: 'status' }, t.reported));
      } catch (e) {
        err.textContent = this.problem(e);
      }
    });
    return form;
  }

  private async remove(c: Comment, li: HTMLLIElement, slot: HTMLElement): Promise<void> {
    try {
      await this.o.call('DELETE', `/api/v1/comments/${c.id}`);
    } catch (err) {
      fill(slot, h('p', { class: 'err', 'aria-live': 'polite' }, this.problem(err)));
      return;
    }
    if (c.status === 'published') this.countBy(-1);
    if (c.replies?.length) {
      c.status = 'removed';
      c.body = '';
      c.author = null;
      li.replaceWith(this.item(c));
    } else {
      const info = this.info as ThreadInfo;
      info.comments = info.comments.filter((x) => x.id !== c.id);
      for (const x of info.comments) x.replies = x.replies?.filter((r) => r.id !== c.id);
      const parent = li.parentElement;
      li.remove();
      if (parent?.classList.contains('replies') && parent.children.length === 0) parent.hidden = true;
    }
    this.say(this.t.deleted);
    this.box.querySelector<HTMLElement>('h2')?.focus();
  }

  private countBy(delta: number): void {
    const info = this.info as ThreadInfo;
    info.thread.commentCount = Math.max(0, info.thread.commentCount + delta);
    const n = this.box.querySelector('h2 .n');
    if (n) n.textContent = `(${info.thread.commentCount})`;
    const line = this.box.querySelector('.bar .muted');
    if (line) line.textContent = this.t.count(info.thread.commentCount);
  }

  /** Posts a comment or a reply; resolves to the message to show, or null. */
  private async post(text: string, key: string, parent: Comment | null, done?: () => void): Promise<string | null> {
    const info = this.info as ThreadInfo;
    const body: Record<string, unknown> = { thread: this.o.thread, body: text, threadUrl: this.o.url };
    if (this.o.title) body.threadTitle = this.o.title;
    if (parent) body.parentId = parent.id;
    try {
      const { comment } = await this.o.call<{ comment: Comment }>(
        'POST',
        `/api/v1/sites/${encodeURIComponent(this.o.site)}/comments`,
        body,
        { 'Idempotency-Key': key },
      );
      if (parent) {
        (parent.replies ??= []).push(comment);
        // Newer than any reply "Visa fler svar" may still load: those go before it.
        this.postedHere.add(comment.id);
        const ol = this.list.querySelector<HTMLOListElement>(`#${this.id}-c-${parent.id} > .replies`);
        if (ol) {
          ol.hidden = false;
          ol.append(this.item(comment));
        }
        done?.();
      } else {
        comment.replies = [];
        const li = this.item(comment);
        if (this.sort === 'newest') {
          info.comments.unshift(comment);
          this.list.prepend(li);
        } else {
          info.comments.push(comment);
          this.list.append(li);
        }
        this.list.hidden = false;
        this.more.querySelector('p.muted')?.remove();
      }
      this.say(this.t.posted);
      void this.watch();
      return null;
    } catch (err) {
      return this.problem(err);
    }
  }

  /**
   * After a post or an edit, asks now and then whether the reader's pending comments have
   * been decided, so "awaiting moderation" turns into the published comment without a
   * reload. Gives up after a couple of minutes (a person may take longer).
   */
  private async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    try {
      for (let round = 0; round < 20; round++) {
        await new Promise((r) => setTimeout(r, 1000 + round * 500));
        const info = this.info as ThreadInfo;
        const pending = info.comments
          .flatMap((c) => [c, ...(c.replies ?? [])])
          .filter((c) => c.mine && c.status === 'pending');
        if (pending.length === 0) return;
        const page = await this.o.call<{ comments: Comment[] }>(
          'GET',
          `/api/v1/sites/${encodeURIComponent(this.o.site)}/comments?thread=${encodeURIComponent(this.o.thread)}&sort=newest&limit=100`,
        );
        const fresh = new Map(page.comments.flatMap((c) => [c, ...(c.replies ?? [])]).map((c) => [c.id, c]));
        // An own reply past a comment's first replies is looked for in its further reply pages.
        for (const top of page.comments) {
          let cursor = pending.some((c) => c.parentId === top.id && !fresh.has(c.id)) ? top.repliesCursor : null;
          for (let pages = 0; cursor && pages < MAX_REPLY_PAGES_TO_WATCH; pages++) {
            const replies = await this.replyPage(top.id, cursor, 100);
            for (const r of replies.replies) fresh.set(r.id, r);
            cursor = replies.nextCursor;
          }
        }
        for (const c of pending) {
          const now = fresh.get(c.id);
          if (!now || now.status === 'pending') continue;
          Object.assign(c, now, { replies: c.replies });
          this.list.querySelector(`#${this.id}-c-${c.id}`)?.replaceWith(this.item(c));
          if (now.status === 'published') {
            this.countBy(1);
            this.say(this.t.nowPublished);
          }
        }
      }
    } catch {
      // A failed check changes nothing on screen; a reload shows the current state.
    } finally {
      this.watching = false;
    }
  }

  /**
   * The message of an API error to show inline (the API words it in the reader's
   * language). Some codes also change what the widget offers.
   */
  private problem(err: unknown): string {
    const e = err instanceof ApiError ? err : networkError(this.t.network);
    const info = this.info as ThreadInfo;
    if (e.code === 'THREAD_CLOSED') {
      info.thread.status = 'closed';
      info.thread.closedReason = typeof e.details.closedReason === 'string' ? e.details.closedReason : null;
      queueMicrotask(() => this.render());
      this.say(e.message, true);
    } else if (e.code === 'LOGIN_REQUIRED' || e.code === 'INVALID_TOKEN') {
      // The session is gone (the host could not renew it): show the logged-out state and why.
      queueMicrotask(() => {
        this.render();
        this.renderCompose(e.message);
      });
    } else if (e.code === 'BANNED') {
      this.banned = true;
      queueMicrotask(() => this.renderCompose(e.message));
      if (!this.ban) void this.readBan(e.message);
    } else if (e.code === 'COMMENT_TOO_LONG' && typeof e.details.limit === 'number' && e.details.unit === undefined) {
      // Only the character limit is the one the countdown shows (code points and bytes are bounds behind it).
      info.thread.maxLength = e.details.limit;
    }
    return e.message;
  }

  private renderCompose(notice?: string): void {
    const { t, id } = this;
    const info = this.info as ThreadInfo;
    const token = this.o.token();
    const note = notice ? h('p', { class: 'err', 'aria-live': 'polite' }, notice) : null;
    if (info.thread.status === 'closed') {
      const why = t.closedReasons[info.thread.closedReason ?? ''];
      fill(this.compose, h('p', { class: 'closed' }, t.closed), why && h('p', { class: 'closed-why' }, why));
    } else if (!token) {
      const login = safeHref(info.site.loginUrl?.replace('{url}', encodeURIComponent(location.href)));
      fill(
        this.compose,
        note,
        h('p', { class: 'login' }, t.loginRequired),
        login && h('a', { href: login, class: 'button' }, t.logIn),
      );
    } else if (this.banned) {
      const ban = this.ban;
      fill(this.compose, note, ban && this.statement(ban, 'ban', true));
    } else {
      const name = claimsOf(token)?.name;
      fill(
        this.compose,
        note,
        name && h('p', { class: 'muted' }, `${t.loggedInAs} `, h('strong', null, name)),
        composer({
          id: `${id}-new`,
          label: t.yourComment,
          submitLabel: t.send,
          max: info.thread.maxLength,
          t,
          submit: (text, key) => this.post(text, key, null),
        }).form,
        this.mailBox('compose'),
      );
    }
  }

  private renderAside(): void {
    const { t, id } = this;
    const info = this.info as ThreadInfo;
    const notice = info.site.privacyNotice[this.lang];
    const url = safeHref(notice.url);
    const privacy = h(
      'aside',
      { class: 'privacy', 'aria-labelledby': `${id}-pn` },
      h('h3', { id: `${id}-pn` }, notice.title),
      h('p', null, notice.text),
      url && h('a', { href: url }, t.privacyLink),
    );
    fill(this.aside, privacy, this.o.token() && this.myData());
  }

  /** "My data": download everything stored (export) or ask for erasure (the privacy endpoints). */
  private myData(): HTMLElement {
    const { t } = this;
    const site = `/api/v1/sites/${encodeURIComponent(this.o.site)}`;
    const msg = h('p', { class: 'status', 'aria-live': 'polite' });
    const actions = h('div', { class: 'row' });
    const show = (text: string, error: boolean, ...extra: Child[]) => {
      fill(msg, text, ...extra);
      msg.className = error ? 'status err' : 'status';
    };
    const download = async () => {
      try {
        const data = await this.o.call<unknown>('GET', `${site}/me/export`);
        const link = h('a', {
          href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })),
          download: `kommentarer-${this.o.site}.json`,
        });
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
        show(t.exported, false);
      } catch (err) {
        show((err as Error).message, true);
      }
    };
    const askErase = () => {
      fill(
        actions,
        h('p', null, t.eraseConfirm),
        h('button', { type: 'button', class: 'danger', onclick: erase }, t.eraseYes),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              resetActions();
              actions.querySelector<HTMLElement>('.erase')?.focus();
            },
          },
          t.cancel,
        ),
      );
      actions.querySelector<HTMLElement>('.danger')?.focus();
    };
    const erase = async () => {
      try {
        const r = await this.o.call<{ id: string; receiptToken?: string }>('POST', `${site}/me/erasure`, {});
        const statusUrl = `${this.o.base}/api/v1/erasure-requests/${encodeURIComponent(r.id)}?token=${encodeURIComponent(r.receiptToken ?? '')}`;
        resetActions();
        show(
          t.erasureReceived(r.id),
          false,
          ' ',
          h('a', { href: statusUrl, target: '_blank', rel: 'noopener' }, t.erasureStatus),
        );
        this.root.host.dispatchEvent(new CustomEvent('kommentarer:erasure', { bubbles: true, detail: { id: r.id } }));
      } catch (err) {
        resetActions();
        show((err as Error).message, true);
      }
    };
    const resetActions = () =>
      fill(
        actions,
        h('button', { type: 'button', class: 'export', onclick: download }, t.exportBtn),
        h('button', { type: 'button', class: 'erase', onclick: askErase }, t.erase),
      );
    resetActions();
    return h(
      'details',
      { class: 'mydata' },
      h('summary', null, t.myData),
      h('p', null, t.myDataText),
      actions,
      msg,
      this.mailBox('mydata'),
    );
  }

  /**
   * The reader's opt-in to mail about replies and decisions (…/me/mail), next to the form
   * and in "Mina uppgifter": shown only when the server offers it (the site allows it and
   * the login carries an address) or something is on, so that it can always be turned off.
   */
  private mailBox(where: 'compose' | 'mydata'): HTMLElement {
    const { t, id } = this;
    const site = `/api/v1/sites/${encodeURIComponent(this.o.site)}`;
    const el = h('fieldset', { class: `mail mail-${where}`, hidden: true });
    const msg = h('p', { class: 'status', 'aria-live': 'polite' });
    const boxes = {
      replies: h('input', { type: 'checkbox', id: `${id}-mail-replies-${where}`, name: 'replies' }),
      decisions: h('input', { type: 'checkbox', id: `${id}-mail-decisions-${where}`, name: 'decisions' }),
    };
    const entry = {
      el,
      refresh: (c: MailChoices) => {
        el.hidden = !(c.offered || c.replies || c.decisions);
        for (const key of ['replies', 'decisions'] as const) {
          boxes[key].checked = c[key];
          boxes[key].disabled = !c.offered && !c[key];
        }
      },
    };
    const change = async (key: 'replies' | 'decisions') => {
      try {
        const r = await this.o.call<{ mail: MailChoices }>('PATCH', `${site}/me/mail`, { [key]: boxes[key].checked });
        this.mail = Promise.resolve(r.mail);
        // Boxes of earlier renderings are no longer on the page: dropped here.
        for (const box of [...this.mailBoxes]) {
          if (box.el.isConnected) box.refresh(r.mail);
          else this.mailBoxes.delete(box);
        }
        fill(msg, t.mailSaved);
        msg.className = 'status';
      } catch (err) {
        boxes[key].checked = !boxes[key].checked;
        fill(msg, (err as Error).message);
        msg.className = 'status err';
      }
    };
    boxes.replies.addEventListener('change', () => change('replies'));
    boxes.decisions.addEventListener('change', () => change('decisions'));
    fill(
      el,
      h('legend', null, t.mailLegend),
      h('div', null, boxes.replies, ' ', h('label', { for: boxes.replies.id }, t.mailReplies)),
      h('div', null, boxes.decisions, ' ', h('label', { for: boxes.decisions.id }, t.mailDecisions)),
      h('p', { class: 'muted' }, t.mailNote),
      msg,
    );
    this.mailBoxes.add(entry);
    this.mail ??= this.o
      .call<{ mail: MailChoices }>('GET', `${site}/me/mail`)
      .then((r) => r.mail)
      .catch((err: unknown) => {
        // A token refused here is refused for writing too: show the logged-out state and why, now.
        if (err instanceof ApiError && (err.code === 'INVALID_TOKEN' || err.code === 'LOGIN_REQUIRED'))
          this.problem(err);
        return null;
      });
    void this.mail.then((c) => c && entry.refresh(c));
    return el;
  }
}
