/**
 * The one place where a comment's length is computed. The server validates with it and
 * the widget imports it for its countdown, so both always agree.
 *
 * Length = user-perceived characters (extended grapheme clusters) of the text after
 * Unicode NFC normalization and trimming of outer white space. A flag emoji, a family
 * emoji or "å" typed as a + combining ring each count as one.
 *
 * Browser-safe: no Node.js imports here.
 */

/** Default limit when a site does not set one. */
export const DEFAULT_MAX_LENGTH = 300;

let segmenter: Intl.Segmenter | undefined;

/** Normalizes as the server stores it: NFC, outer white space trimmed. */
export function normalizeCommentText(raw: string): string {
  return raw.normalize('NFC').trim();
}

/** Number of extended grapheme clusters in already-normalized text. */
export function countGraphemes(text: string): number {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let count = 0;
  const segments = segmenter.segment(text)[Symbol.iterator]();
  while (!segments.next().done) count++;
  return count;
}

/** Length of raw input as the service counts it. */
export function commentLength(raw: string): number {
  return countGraphemes(normalizeCommentText(raw));
}

// C0 and C1 control characters except tab (\t), line feed (\n) and carriage return (\r).
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;

/** Lone surrogates cannot be encoded as UTF-8: the text is not valid Unicode. */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

export type CommentTextCheck =
  | { ok: true; text: string; length: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'too_long'; length: number; limit: number };

/** Checks raw comment text against a limit; on success returns the text to store. */
export function checkCommentText(raw: string, limit: number = DEFAULT_MAX_LENGTH): CommentTextCheck {
  if (!isWellFormed(raw) || FORBIDDEN_CONTROLS.test(raw)) return { ok: false, reason: 'invalid' };
  const text = normalizeCommentText(raw);
  if (text.length === 0) return { ok: false, reason: 'empty' };
  const length = countGraphemes(text);
  if (length > limit) return { ok: false, reason: 'too_long', length, limit };
  return { ok: true, text, length };
}
