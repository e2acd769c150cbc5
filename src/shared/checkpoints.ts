/**
 * Named points inside workflows where a test can hold one side of a race, see the other
 * side run, and then let the first go on (or fail, as a crash would). Races are proven
 * this way instead of hoped for with timing. Nothing is ever held unless a test asks, so
 * in production `checkpoint()` is one map lookup.
 */
export type CheckpointName =
  | 'comment.create.checked'
  | 'comment.edit.claimed'
  | 'comment.remove.waiting'
  | 'erasure.tombstones.waiting'
  | 'erasure.final.beforeProfile'
  | 'moderation.batch.evaluated'
  | 'moderation.batch.applied'
  | 'appeal.decision.claimed';

interface Hold {
  reached: () => void;
  release: Promise<void>;
}

const holds = new Map<CheckpointName, Hold>();

/** Waits here while a test holds this point; throws when the test releases it with an error. */
export async function checkpoint(name: CheckpointName): Promise<void> {
  const hold = holds.get(name);
  if (!hold) return;
  holds.delete(name); // one-shot: the next pass goes straight through
  hold.reached();
  await hold.release;
}

export interface HeldPoint {
  /** Resolves when a workflow has arrived at the point (and waits there). */
  reached: Promise<void>;
  /** Lets the waiting workflow go on; with an error, the workflow throws it there. */
  release(error?: Error): void;
}

/** For tests: the next workflow to pass `name` stops there until released. */
export function holdAt(name: CheckpointName): HeldPoint {
  let reached!: () => void;
  let release!: (error?: Error) => void;
  const reachedPromise = new Promise<void>((r) => {
    reached = r;
  });
  const releasePromise = new Promise<void>((resolve, reject) => {
    release = (error) => (error ? reject(error) : resolve());
  });
  releasePromise.catch(() => undefined); // rejected only to be rethrown at the checkpoint
  holds.set(name, { reached, release: releasePromise });
  return { reached: reachedPromise, release };
}
