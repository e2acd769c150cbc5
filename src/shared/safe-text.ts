import './zod-openapi';
import { z } from 'zod';
import { isWellFormed } from './comment-text';

// Control characters are refused in every stored string: they have no place in names or
// keys, and NUL in particular is not storable in every MongoDB-compatible server.
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

// The same rules as JSON Schema patterns for the OpenAPI document, written with \u escapes
// so that they mean the same in JavaScript and in other languages' regex engines.
const NO_CONTROL_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';
const NO_CONTROL_EXCEPT_LINE_BREAKS_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$';

/** Characters as people and JSON Schema count them: code points, a surrogate pair counting once. */
function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * A string of min..max characters. zod's own .min/.max count UTF-16 units, so an emoji
 * would count twice; these count code points, which is what the OpenAPI document's
 * minLength/maxLength promise.
 */
export const chars = (min: number, max: number) =>
  z
    .string()
    .superRefine((s, ctx) => {
      const length = codePointLength(s);
      if (length < min) ctx.addIssue({ code: z.ZodIssueCode.too_small, type: 'string', minimum: min, inclusive: true });
      if (length > max) ctx.addIssue({ code: z.ZodIssueCode.too_big, type: 'string', maximum: max, inclusive: true });
    })
    .openapi({ ...(min > 0 ? { minLength: min } : {}), maxLength: max });

/** A single-line string without control characters, 1..max characters. */
export const safeLine = (max: number) =>
  chars(1, max)
    .refine((s) => !ANY_CONTROL.test(s) && isWellFormed(s), 'must not contain control characters')
    .openapi({ pattern: NO_CONTROL_PATTERN });

/** Multi-line text: line breaks and tabs allowed, other control characters not. */
export const safeText = (max: number) =>
  chars(0, max)
    .refine((s) => !CONTROL_EXCEPT_LINE_BREAKS.test(s) && isWellFormed(s), 'must not contain control characters')
    .openapi({ pattern: NO_CONTROL_EXCEPT_LINE_BREAKS_PATTERN });

/** An absolute http(s) URL. */
export const httpUrl = chars(0, 2000)
  .pipe(z.string().url())
  .refine((s) => /^https?:\/\//i.test(s) && !ANY_CONTROL.test(s), 'must be an http(s) URL')
  .openapi({ maxLength: 2000, format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\u0000-\\u001F\\u007F-\\u009F]*$' });

/**
 * An email address: zod's own rule for z.string().email(), spelled out so the OpenAPI
 * document can state it as a pattern instead of the looser `format: email`.
 */
export const emailAddress = z
  .string()
  .max(320)
  .regex(
    /^(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/,
    'Invalid email',
  );

/** Removes control characters, for strings from trusted but unvalidated sources (JWT claims). */
export function stripControls(s: string): string {
  return s.replace(new RegExp(ANY_CONTROL.source, 'g'), '');
}

/** Site ids as the contract defines them. */
export const siteIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}');

/** Thread keys: 1–512 characters without control characters. */
export const threadKeySchema = safeLine(512);
