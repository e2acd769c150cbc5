/**
 * A running count of the elementary steps the moderation rules take (a character read, a
 * candidate checked, a matcher state advanced). It costs an addition per step and lets
 * the tests show that the work grows linearly with the text without timing anything.
 */
let taken = 0;

/** Records `count` steps. */
export function step(count = 1): void {
  taken += count;
}

/** Steps taken by all rules since the process started; tests compare two readings. */
export function stepsTaken(): number {
  return taken;
}
