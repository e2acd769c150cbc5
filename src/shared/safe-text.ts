import './zod-openapi';
import { z } from 'zod';
import { isWellFormed } from './comment-text';

// Control characters are refused in every stored string: they have no place in names or
// keys, and NUL in particular is not storable in every MongoDB-compatible server.
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const ANY_CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** A single-line string without control characters, 1..max characters. */
export const safeLine = (max: number) =>
  z.string().min(1).max(max).refine((s) => !ANY_CONTROL.test(s) && isWellFormed(s), 'must not contain control characters');

/** Multi-line text: line breaks and tabs allowed, other control characters not. */
export const safeText = (max: number) =>
  z.string().max(max).refine((s) => !CONTROL_EXCEPT_LINE_BREAKS.test(s) && isWellFormed(s), 'must not contain control characters');

/** An absolute http(s) URL. */
export const httpUrl = z
  .string()
  .max(2000)
  .url()
  .refine((s) => /^https?:\/\//i.test(s) && !ANY_CONTROL.test(s), 'must be an http(s) URL');

/** Removes control characters, for strings from trusted but unvalidated sources (JWT claims). */
export function stripControls(s: string): string {
  return s.replace(new RegExp(ANY_CONTROL.source, 'g'), '');
}

/** Site ids as the contract defines them. */
export const siteIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must match [a-z0-9-]{1,64}');

/** Thread keys: 1–512 characters without control characters. */
export const threadKeySchema = safeLine(512);
