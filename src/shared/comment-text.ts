/**
 * The one place where a comment's length is computed. The server validates with it and
 * the widget imports it for its countdown, so both always agree.
 *
 * Length = user-perceived characters (extended grapheme clusters) of the text after
 * Unicode NFC normalization and trimming of outer white space. A flag emoji, a family
 * emoji or "å" typed as a + combining ring each count as one.
 *
 * Characters alone do not bound a comment: one character may carry any number of
 * combining marks or joined emoji. So the same text is also bounded in code points and
 * in UTF-8 bytes, both proportional to the site's limit (see the constants below).
 *
 * Browser-safe: no Node.js imports here (TextEncoder is in browsers and Node alike).
 */

/** Default limit when a site does not set one. */
export const DEFAULT_MAX_LENGTH = 300;

/**
 * Code points allowed per character of the limit, on average over the comment (2,400 at
 * the default 300). Text people write takes 1 to 3 per character; the longest emoji
 * people type (families, flags of England or Scotland) take 7, so even a comment made of
 * them fits. More than 8 on average is marks piled on letters or padding.
 */
export const CODE_POINTS_PER_CHARACTER = 8;

/**
 * UTF-8 bytes allowed per character of the limit, on average over the comment (4,800 at
 * the default 300): Swedish takes about 1 per character, Chinese 3, an emoji 4, a flag or
 * a skin-toned emoji 8. This is what bounds what is stored and sent for a comment; only
 * text made mostly of multi-person emoji (around 25 bytes each) reaches it.
 */
export const BYTES_PER_CHARACTER = 16;

/** What a comment is counted in: its characters, its code points, its UTF-8 bytes. */
export type LengthUnit = 'graphemes' | 'codePoints' | 'bytes';

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

/** Number of code points in well-formed text. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) i++;
    count++;
  }
  return count;
}

let encoder: TextEncoder | undefined;

/** Number of bytes the text takes in UTF-8. */
export function countUtf8Bytes(text: string): number {
  encoder ??= new TextEncoder();
  return encoder.encode(text).length;
}

export type CommentTextCheck =
  | { ok: true; text: string; length: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'too_long'; unit: LengthUnit; length: number; limit: number };

/**
 * Checks raw comment text against a limit of `limit` characters (and the code points and
 * bytes that follow from it); on success returns the text to store. When the text is
 * over several bounds, the first of characters, code points, bytes is reported.
 */
export function checkCommentText(raw: string, limit: number = DEFAULT_MAX_LENGTH): CommentTextCheck {
  if (!isWellFormed(raw) || FORBIDDEN_CONTROLS.test(raw)) return { ok: false, reason: 'invalid' };
  const text = normalizeCommentText(raw);
  if (text.length === 0) return { ok: false, reason: 'empty' };
  const length = countGraphemes(text);
  if (length > limit) return { ok: false, reason: 'too_long', unit: 'graphemes', length, limit };
  const codePoints = countCodePoints(text);
  const codePointLimit = CODE_POINTS_PER_CHARACTER * limit;
  if (codePoints > codePointLimit)
    return { ok: false, reason: 'too_long', unit: 'codePoints', length: codePoints, limit: codePointLimit };
  const bytes = countUtf8Bytes(text);
  const byteLimit = BYTES_PER_CHARACTER * limit;
  if (bytes > byteLimit) return { ok: false, reason: 'too_long', unit: 'bytes', length: bytes, limit: byteLimit };
  return { ok: true, text, length };
}
