import { Types } from 'mongoose';
import { AppError } from '../../http/errors';

/** A position in a list sorted by (createdAt, _id): opaque to clients. */
export interface Cursor {
  createdAt: Date;
  id: Types.ObjectId;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.createdAt.getTime()}.${c.id.toHexString()}`, 'utf8').toString('base64url');
}

/** Decodes a cursor, or throws 400 VALIDATION_FAILED for anything that is not one of ours. */
export function decodeCursor(raw: string): Cursor {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^(\d{1,15})\.([a-f0-9]{24})$/.exec(text);
  if (!match) throw new AppError('VALIDATION_FAILED', { issues: [{ path: 'cursor', problem: 'not a valid cursor' }] });
  return { createdAt: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

/** Filter for the items after a cursor in the given direction. */
export function afterCursor(c: Cursor, direction: 1 | -1): Record<string, unknown> {
  const op = direction === 1 ? '$gt' : '$lt';
  return { $or: [{ createdAt: { [op]: c.createdAt } }, { createdAt: c.createdAt, _id: { [op]: c.id } }] };
}
