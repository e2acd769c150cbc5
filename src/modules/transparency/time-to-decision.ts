/**
 * The times notices took from receipt to decision, as whole seconds. The median and the
 * 90th percentile are by nearest rank: the shortest time within which at least half
 * (nine tenths) of the decided notices were decided, so each is a time one notice
 * actually took.
 */
export interface TimeToDecision {
  decided: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** The nearest-rank percentile of sorted values (null for none). */
export function nearestRank(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The figures of a set of decision times in seconds (any order). */
export function timeToDecision(seconds: readonly number[]): TimeToDecision {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { decided: sorted.length, medianSeconds: nearestRank(sorted, 50), p90Seconds: nearestRank(sorted, 90) };
}
