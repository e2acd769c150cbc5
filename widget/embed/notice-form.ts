import { ApiError, Call } from '../shared/api-client';
import { append, h } from '../shared/dom';
import type { Reason } from './api-types';
import type { Lang, Strings } from './i18n';

export interface NoticeFormOptions {
  id: string;
  t: Strings;
  lang: Lang;
  base: string;
  site: string;
  commentId: string;
  /** The site's reasons; the notice categories are the `illegal` ones. */
  reasons: Promise<Reason[]>;
  call: Call;
  cancel(): void;
}

const EXPLANATION_MAX = 2000;

/** The address of the notifier's case status page: id and token in the fragment, never the query. */
export function noticeStatusUrl(base: string, lang: Lang, site: string, id: string, token: string): string {
  return `${base}/notices/status${lang === 'en' ? '?lang=en' : ''}#${new URLSearchParams({ site, id, token })}`;
}

/**
 * A notice of illegal content about one comment, open to anyone (no login): the category
 * (the site's illegal reasons), the explanation, optional contact details and the good
 * faith statement. Errors are announced and tied to their fields; on 201 the form turns
 * into the confirmation with the link to the case.
 */
export function noticeForm(o: NoticeFormOptions): HTMLFormElement {
  const { t, id } = o;
  const err = (name: string) => h('p', { id: `${id}-${name}-err`, class: 'err' });
  const errs = { reasonId: err('reason'), explanation: err('text'), notifier: err('email'), goodFaith: err('gf') };
  const select = h(
    'select',
    { id: `${id}-reason`, name: 'reasonId', required: true, 'aria-describedby': errs.reasonId.id },
    h('option', { value: '' }, t.choose),
  );
  void o.reasons.then((all) =>
    append(
      select,
      ...all.filter((r) => r.kind === 'illegal').map((r) => h('option', { value: r.id }, r.label[o.lang])),
    ),
  );
  const count = h('p', { id: `${id}-count`, class: 'count' });
  const counted = () => (count.textContent = t.left(EXPLANATION_MAX - text.value.length));
  const text = h('textarea', {
    id: `${id}-text`,
    name: 'explanation',
    rows: 4,
    required: true,
    maxlength: EXPLANATION_MAX,
    'aria-describedby': `${count.id} ${errs.explanation.id}`,
    oninput: counted,
  });
  const name = h('input', { id: `${id}-name`, name: 'name', autocomplete: 'name', maxlength: 100 });
  const email = h('input', {
    id: `${id}-email`,
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    maxlength: 320,
    'aria-describedby': `${id}-privacy ${errs.notifier.id}`,
  });
  const goodFaith = h('input', {
    id: `${id}-gf`,
    name: 'goodFaith',
    type: 'checkbox',
    required: true,
    'aria-describedby': errs.goodFaith.id,
  });
  const summary = h('p', { class: 'err', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, t.sendNotice);
  const heading = h('h3', { id: `${id}-h` }, t.notice);
  // Each field with its error and its message, under the name the API's validation issues use.
  const fields: Record<string, [HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, string]> = {
    reasonId: [select, t.needCategory],
    explanation: [text, t.needExplain],
    notifier: [email, t.badEmail],
    goodFaith: [goodFaith, t.needGoodFaith],
  };

  /** Marks the refused fields (by name), focuses the first, and announces the summary. */
  function show(refused: Set<string>, general = t.fixErrors): void {
    let first: HTMLElement | null = null;
    for (const [key, [el, message]] of Object.entries(fields)) {
      const bad = refused.has(key);
      errs[key as keyof typeof errs].textContent = bad ? message : '';
      el.setAttribute('aria-invalid', String(bad));
      if (bad) first ??= el;
    }
    summary.textContent = general;
    (first as HTMLElement | null)?.focus();
  }

  const form = h(
    'form',
    {
      class: 'notice',
      novalidate: true,
      'aria-labelledby': heading.id,
      onkeydown: (e) => (e as KeyboardEvent).key === 'Escape' && o.cancel(),
    },
    heading,
    h('label', { for: select.id }, t.noticeCategory),
    select,
    errs.reasonId,
    h('label', { for: text.id }, t.noticeExplain),
    text,
    count,
    errs.explanation,
    h(
      'fieldset',
      null,
      h('legend', null, t.noticeContact),
      h('label', { for: name.id }, t.noticeName),
      name,
      h('label', { for: email.id }, t.noticeEmail),
      email,
      errs.notifier,
      h('p', { id: `${id}-privacy`, class: 'muted' }, t.noticePrivacy),
    ),
    h('p', { class: 'check' }, goodFaith, ' ', h('label', { for: goodFaith.id }, t.goodFaith)),
    errs.goodFaith,
    summary,
    h('div', { class: 'row' }, button, h('button', { type: 'button', onclick: () => o.cancel() }, t.cancel)),
  );

  let sending = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sending) return;
    const refused = new Set<string>();
    if (!select.value) refused.add('reasonId');
    if (!text.value.trim()) refused.add('explanation');
    if (!email.validity.valid) refused.add('notifier');
    if (!goodFaith.checked) refused.add('goodFaith');
    if (refused.size) return show(refused);
    const notifier = { name: name.value.trim() || undefined, email: email.value.trim() || undefined };
    sending = true;
    button.setAttribute('aria-disabled', 'true');
    try {
      const r = await o.call<{ notice: { id: string }; token: string }>(
        'POST',
        `/api/v1/sites/${encodeURIComponent(o.site)}/notices`,
        {
          commentId: o.commentId,
          reasonId: select.value,
          explanation: text.value.trim(),
          notifier: notifier.name || notifier.email ? notifier : undefined,
          goodFaith: true,
        },
      );
      const done = h(
        'div',
        { class: 'ok-box', role: 'status', tabindex: -1 },
        h('p', { class: 'ok' }, t.noticeReceived(r.notice.id)),
        h(
          'p',
          null,
          h(
            'a',
            { href: noticeStatusUrl(o.base, o.lang, o.site, r.notice.id, r.token), target: '_blank', rel: 'noopener' },
            t.noticeFollow,
          ),
        ),
        h('p', null, t.noticeKeep),
      );
      form.replaceWith(done);
      done.focus();
    } catch (e) {
      const code = e instanceof ApiError ? e.code : '';
      // The fields the server refused are marked; what names no field is said in the summary.
      for (const issue of ((e as ApiError).details?.issues as Array<{ path: string }> | undefined) ?? []) {
        const key = issue.path.split('.')[0] as string;
        if (key in fields) refused.add(key);
      }
      if (code === 'REASON_REQUIRED') refused.add('reasonId');
      const texts: Record<string, string> = {
        NOT_FOUND: t.noticeGone,
        CONFLICT: t.noticeTwice,
        RATE_LIMITED: t.tooMany,
      };
      show(refused, refused.size ? t.fixErrors : (texts[code] ?? (e as Error).message));
    } finally {
      sending = false;
      button.setAttribute('aria-disabled', 'false');
    }
  });
  counted();
  return form;
}
