import fc from 'fast-check';
import { Types } from 'mongoose';
import { AppError } from '../src/shared/errors';
import { afterCursor, cursorSchema, decodeCursor, encodeCursor } from '../src/shared/cursor';

const position = fc.record({
  createdAt: fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
  id: fc
    .uint8Array({ minLength: 12, maxLength: 12 })
    .map((bytes) => new Types.ObjectId(Buffer.from(bytes).toString('hex'))),
});

function refusal(raw: string): unknown {
  try {
    decodeCursor(raw);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('page cursors', () => {
  it('when any position is encoded, then it decodes to the same position and matches the documented form', () => {
    fc.assert(
      fc.property(position, (p) => {
        const wire = encodeCursor(p);
        expect(cursorSchema.safeParse(wire).success).toBe(true);
        const back = decodeCursor(wire);
        expect(back.createdAt.getTime()).toBe(p.createdAt.getTime());
        expect(back.id.equals(p.id)).toBe(true);
      }),
    );
  });

  it('when a cursor is of the documented form but points past every comment, then it still decodes (an empty page, not an error)', () => {
    const far = decodeCursor(`999999999999999.${'f'.repeat(24)}`);
    expect(far.createdAt.getTime()).toBe(999_999_999_999_999);
    expect(far.id.toHexString()).toBe('f'.repeat(24));
  });

  it('when a cursor is not of the documented form, then 400 VALIDATION_FAILED names the cursor, and the schema refuses it too', () => {
    for (const raw of [
      '',
      'bm90LWEtY3Vyc29y',
      '1700000000000',
      `1700000000000.${'a'.repeat(23)}`,
      `1700000000000.${'A'.repeat(24)}`,
      `-1.${'a'.repeat(24)}`,
      `1.5.${'a'.repeat(24)}`,
      `${'1'.repeat(16)}.${'a'.repeat(24)}`,
      ` 1.${'a'.repeat(24)}`,
      `1.${'a'.repeat(24)}\n`,
    ]) {
      const err = refusal(raw);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { issues: [{ path: 'cursor', problem: 'not a valid cursor' }] },
      });
      expect(cursorSchema.safeParse(raw).success).toBe(false);
    }
  });

  it('when the items after a cursor are asked, then the filter orders by time and breaks ties by id, in either direction', () => {
    const c = { createdAt: new Date(Date.UTC(2026, 0, 1)), id: new Types.ObjectId('a'.repeat(24)) };
    expect(afterCursor(c, 1)).toEqual({
      $or: [{ createdAt: { $gt: c.createdAt } }, { createdAt: c.createdAt, _id: { $gt: c.id } }],
    });
    expect(afterCursor(c, -1)).toEqual({
      $or: [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, _id: { $lt: c.id } }],
    });
  });
});
