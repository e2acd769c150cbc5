import { ApiError } from '../shared/api-client';
import { Child, fill, h } from '../shared/dom';
import type { Appeal } from './api-types';
import type { Strings } from './i18n';

export interface AppealOptions {
  id: string;
  t: Strings;
  /** The decision's appeal fields: until when (null: no longer), and the appeal made. Updated on 201. */
  decision: { appealUntil?: string | null; appeal?: Appeal | null };
  dateText(iso: string): string;
  /** The reason's label and ground, filled in when the site's reasons are read. */
  reasonLabel(id: string): HTMLElement;
  /** POSTs the appeal's text; resolves to the appeal. */
  send(text: string): Promise<{ appeal: Appeal }>;
}

const APPEAL_MAX = 1000;

/**
 * The appeal part of a decision's statement: whether and until when the decision may be
 * appealed, the "Överklaga beslutet" form, or the appeal's state and outcome.
 */
export function appealPart(o: AppealOptions): HTMLElement {
  const { t, id, decision } = o;
  const box = h('div', { class: 'appeal' });
  const live = h('p', { role: 'status', tabindex: -1 });

  function render(): void {
    const appeal = decision.appeal;
    const until = decision.appealUntil;
    let content: Child[] = [];
    if (appeal?.status === 'decided') {
      content =
        appeal.outcome === 'reversed'
          ? [h('p', { class: 'ok' }, t.appealReversed)]
          : [
              h('p', null, h('strong', null, t.appealUpheld), appeal.decidedAt && ` (${o.dateText(appeal.decidedAt)})`),
              appeal.reasonId && h('p', null, h('strong', null, t.reasonIs), ' ', o.reasonLabel(appeal.reasonId)),
            ];
    } else if (appeal) {
      content = [];
    } else if (until && Date.parse(until) > Date.now()) {
      const open: HTMLButtonElement = h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-expanded': 'false',
          'aria-controls': `${id}-slot`,
          onclick: () => {
            if (open.getAttribute('aria-expanded') === 'true') return close();
            open.setAttribute('aria-expanded', 'true');
            fill(slot, form(close));
            slot.querySelector('textarea')?.focus();
          },
        },
        t.appeal,
      );
      const slot = h('div', { id: `${id}-slot` });
      const close = () => {
        fill(slot);
        open.setAttribute('aria-expanded', 'false');
        open.focus();
      };
      content = [h('p', null, t.appealUntil(o.dateText(until))), open, slot];
    } else if (until !== undefined) {
      content = [h('p', { class: 'muted' }, t.appealClosed)];
    }
    fill(box, ...content, live);
    live.textContent = appeal && appeal.status !== 'decided' ? t.appealReceived : '';
  }

  function form(cancel: () => void): HTMLFormElement {
    const count = h('p', { id: `${id}-count`, class: 'count' });
    const err = h('p', { id: `${id}-err`, class: 'err', role: 'alert' });
    const text = h('textarea', {
      id: `${id}-text`,
      name: 'text',
      rows: 4,
      required: true,
      maxlength: APPEAL_MAX,
      'aria-describedby': `${count.id} ${err.id}`,
      oninput: () => counted(),
    });
    const counted = () => (count.textContent = t.left(APPEAL_MAX - text.value.length));
    const button = h('button', { type: 'submit', class: 'primary' }, t.sendAppeal);
    const el = h(
      'form',
      {
        class: 'composer',
        novalidate: true,
        onkeydown: (e) => {
          if ((e as KeyboardEvent).key === 'Escape') cancel();
        },
      },
      h('label', { for: text.id }, t.appealText),
      text,
      count,
      err,
      h('div', { class: 'row' }, button, h('button', { type: 'button', onclick: cancel }, t.cancel)),
    );
    let sending = false;
    el.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (sending) return;
      if (!text.value.trim()) {
        err.textContent = t.needExplain;
        text.setAttribute('aria-invalid', 'true');
        text.focus();
        return;
      }
      sending = true;
      button.setAttribute('aria-disabled', 'true');
      try {
        const { appeal } = await o.send(text.value.trim());
        decision.appeal = appeal;
        render();
        live.focus();
      } catch (e) {
        const code = e instanceof ApiError ? e.code : '';
        err.textContent = code === 'CONFLICT' ? t.appealTwice : (e as Error).message;
        text.setAttribute('aria-invalid', String(code === 'VALIDATION_FAILED'));
        if (code === 'APPEAL_TOO_LATE') decision.appealUntil = null;
      } finally {
        sending = false;
        button.setAttribute('aria-disabled', 'false');
      }
    });
    counted();
    return el;
  }

  render();
  return box;
}
