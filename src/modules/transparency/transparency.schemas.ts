import { z } from 'zod';
import '../../shared/zod-openapi';
import { AppError } from '../../shared/errors';

/** A date (`2025-01-31`, midnight UTC) or a date-time with Z or an offset (`2025-01-31T12:00:00+01:00`). */
const ISO_INSTANT =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,3})?)?(?:Z|[+-]([0-9]{2}):([0-9]{2})))?$/;

const instant = (description: string) =>
  z
    .string()
    .max(40)
    .regex(ISO_INSTANT, 'must be a date (YYYY-MM-DD) or a date-time with Z or an offset')
    .openapi({ description });

/** GET …/transparency: the window the figures cover. */
export const transparencyQuery = z
  .object({
    from: instant('Start of the window, inclusive; default: `to` minus 365 days').optional(),
    to: instant('End of the window, exclusive; default: now').optional(),
  })
  .strict();

export type TransparencyQuery = z.infer<typeof transparencyQuery>;

/** The window figures are counted over: from inclusive, to exclusive. */
export interface Window {
  from: Date;
  to: Date;
}

const DEFAULT_SPAN_DAYS = 365;
const MAX_SPAN_YEARS = 10;

/**
 * The instant a matched string names, or null when it names none (a 30 February, a
 * 25th hour): Date would roll those over into the next month or day without a word.
 */
function toInstant(text: string): Date | null {
  const m = ISO_INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = m
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const fields = new Date(Date.UTC(year!, month! - 1, day!, hour, minute, second));
  const real =
    fields.getUTCFullYear() === year &&
    fields.getUTCMonth() === month! - 1 &&
    fields.getUTCDate() === day &&
    fields.getUTCHours() === hour &&
    fields.getUTCMinutes() === minute &&
    fields.getUTCSeconds() === second &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!real) return null;
  const at = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  return Number.isNaN(at.getTime()) ? null : at;
}

const invalid = (path: string, problem: string) => new AppError('VALIDATION_FAILED', { issues: [{ path, problem }] });

/** The window a query asks for, with its defaults; 400 VALIDATION_FAILED when it names no window or one over 10 years. */
export function resolveWindow(query: TransparencyQuery, now: Date = new Date()): Window {
  const parse = (key: 'from' | 'to'): Date | undefined => {
    const text = query[key];
    if (text === undefined) return undefined;
    const at = toInstant(text);
    if (!at) throw invalid(key, 'is not a date that exists');
    return at;
  };
  const to = parse('to') ?? now;
  const from = parse('from') ?? new Date(to.getTime() - DEFAULT_SPAN_DAYS * 24 * 3600 * 1000);
  if (from.getTime() > to.getTime()) throw invalid('from', 'must not lie after to');
  const limit = new Date(from.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_SPAN_YEARS);
  if (to.getTime() > limit.getTime()) throw invalid('to', `must lie at most ${MAX_SPAN_YEARS} years after from`);
  return { from, to };
}
