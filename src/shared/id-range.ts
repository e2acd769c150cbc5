import type { Types } from 'mongoose';

/**
 * `{ $in: ids }` for a filter, bracketed by the smallest and largest of the ids. It
 * matches exactly what `$in` alone matches; the bracket only lets a server that checks
 * `$in` by walking the list (FerretDB 1.24, for every document its filter's plain values
 * select) pass over most documents outside the range after two comparisons. Comments are
 * mostly stored in the order of their ids, so a batch read in stored order lies in a
 * narrow range. `ids` must not be empty.
 */
export function anyOf(ids: readonly Types.ObjectId[]): {
  $gte: Types.ObjectId;
  $lte: Types.ObjectId;
  $in: Types.ObjectId[];
} {
  // Hex digits sort as the id's bytes do, which is how ObjectIds compare.
  const hex = ids.map((id) => id.toHexString());
  let low = 0;
  let high = 0;
  for (let i = 1; i < hex.length; i++) {
    if (hex[i]! < hex[low]!) low = i;
    if (hex[i]! > hex[high]!) high = i;
  }
  return { $gte: ids[low]!, $lte: ids[high]!, $in: [...ids] };
}
