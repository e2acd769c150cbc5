import { Types } from 'mongoose';
import { z } from 'zod';
import { AppError } from './errors';

/**
 * A position in a list sorted by (a time, _id): comments by createdAt, log entries by
 * `at`. Clients pass back the nextCursor they got.
 */
export interface Cursor {
  createdAt: Date;
  id: Types.ObjectId;
}

/**
 * The wire form, `<milliseconds>.<24 hex digits>`. Every string of this form is a position
 * (one past the end reads as an empty page), so the pattern in the OpenAPI document is the
 * whole rule and a cursor that matches it is never refused.
 */
const CURSOR_FORM = /^([0-9]{1,15})\.([a-f0-9]{24})$/;

/** A cursor in a query string, as the list endpoints validate and document it. */
export const cursorSchema = z.string().regex(CURSOR_FORM, 'not a valid cursor');

export function encodeCursor(c: Cursor): string {
  return `${c.createdAt.getTime()}.${c.id.toHexString()}`;
}

/** Decodes a cursor, or throws 400 VALIDATION_FAILED for anything that is not of the wire form. */
export function decodeCursor(raw: string): Cursor {
  const match = CURSOR_FORM.exec(raw);
  if (!match) throw new AppError('VALIDATION_FAILED', { issues: [{ path: 'cursor', problem: 'not a valid cursor' }] });
  return { createdAt: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

/** Filter for the items after a cursor in the given direction, on the list's time field. */
export function afterCursor(c: Cursor, direction: 1 | -1, timeField = 'createdAt'): Record<string, unknown> {
  const op = direction === 1 ? '$gt' : '$lt';
  return { $or: [{ [timeField]: { [op]: c.createdAt } }, { [timeField]: c.createdAt, _id: { [op]: c.id } }] };
}
