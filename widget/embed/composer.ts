import { checkCommentText, commentLength } from '../../src/shared/comment-text';
import { h } from '../shared/dom';
import type { Strings } from './i18n';

export interface ComposerOptions {
  id: string;
  label: string;
  submitLabel: string;
  max: number;
  t: Strings;
  initial?: string;
  /**
   * Sends the text with an idempotency key that stays the same for retries of the same
   * text; resolves to an error message to show, or null on success.
   */
  submit(text: string, key: string): Promise<string | null>;
  cancel?(): void;
}

/**
 * A text area with the live countdown counted exactly like the server counts
 * (commentLength from src/shared/comment-text.ts): a warning at 0 and submit refused below,
 * or when the text is over the server's code point or byte bound (checkCommentText).
 */
export function composer(o: ComposerOptions): { form: HTMLFormElement; textarea: HTMLTextAreaElement } {
  const { t } = o;
  const countId = `${o.id}-count`;
  const errId = `${o.id}-err`;
  const textarea = h('textarea', {
    id: `${o.id}-text`,
    name: 'body',
    rows: 4,
    'aria-describedby': `${countId} ${errId}`,
    oninput: () => update(true),
  });
  textarea.value = o.initial ?? '';
  const count = h('p', { id: countId, class: 'count' });
  const live = h('p', { class: 'sr', 'aria-live': 'polite' });
  const err = h('p', { id: errId, class: 'err', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, o.submitLabel);
  let sending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastZone = '';
  let key = '';
  let keyFor: string | null = null;

  function remaining(): number {
    return o.max - commentLength(textarea.value);
  }

  function update(typing: boolean): void {
    const left = remaining();
    const zone = left < 0 ? 'over' : left === 0 ? 'warn' : 'left';
    count.textContent = left < 0 ? t.over(-left) : t.left(left);
    count.className = `count ${zone}`;
    count.setAttribute('data-remaining', String(left));
    textarea.setAttribute('aria-invalid', String(left < 0));
    button.setAttribute('aria-disabled', String(left < 0 || sending));
    if (left >= 0 && err.getAttribute('data-local')) setError('');
    if (!typing) return;
    // Announce politely: at once when the zone changes, otherwise once typing pauses.
    clearTimeout(timer);
    if (zone !== lastZone && lastZone) live.textContent = count.textContent;
    else timer = setTimeout(() => (live.textContent = count.textContent), 900);
    lastZone = zone;
  }

  function setError(message: string, local = false): void {
    err.textContent = message;
    if (local) err.setAttribute('data-local', '1');
    else err.removeAttribute('data-local');
  }

  const form = h(
    'form',
    { class: 'composer', novalidate: true, 'data-sending': 'false' },
    h('label', { for: textarea.id }, o.label),
    textarea,
    count,
    live,
    err,
    h(
      'div',
      { class: 'row' },
      button,
      o.cancel && h('button', { type: 'button', onclick: () => o.cancel?.() }, t.cancel),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sending) return;
    // The server's own check: beyond the characters counted down, a comment is also
    // bounded in code points and bytes, and the widget refuses exactly what it refuses.
    const check = checkCommentText(textarea.value, o.max);
    if (!check.ok && check.reason === 'too_long') {
      setError(check.unit === 'graphemes' ? t.tooLong(check.length, check.limit) : t.tooComplex, true);
      textarea.focus();
      return;
    }
    sending = true;
    form.setAttribute('data-sending', 'true');
    button.textContent = t.sending;
    update(false);
    setError('');
    try {
      if (keyFor !== textarea.value) {
        keyFor = textarea.value;
        key = newKey();
      }
      const problem = await o.submit(textarea.value, key);
      if (problem) setError(problem);
      else {
        keyFor = null;
        if (!o.initial) textarea.value = '';
      }
    } finally {
      sending = false;
      form.setAttribute('data-sending', 'false');
      button.textContent = o.submitLabel;
      update(false);
    }
  });
  update(false);
  return { form, textarea };
}

function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
