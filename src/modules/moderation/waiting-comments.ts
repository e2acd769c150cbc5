import { lookUpSet, pushesDownEquality, setLookups } from '../../infra/mongo';
import { CommentDoc, CommentModel } from '../comments/comment.model';
import type { ModerationPayload } from './moderation.job';

/** Most comments one read-ahead keeps (about a kilobyte and a half each in memory). */
const READ_AHEAD_MAX = 1000;
/**
 * What a comment costs FerretDB 1.24 on PostgreSQL read by `_id` (a scan of the table
 * in PostgreSQL and a command's overhead, ~3.3 ms with 2500 comments), in comments it
 * decodes of a read-ahead (~0.13 ms each). The ratio grows with the table, so this
 * errs on the side of reading by `_id`.
 */
const READ_AHEAD_RATIO = 25;
/** A read-ahead that did not pay for itself is tried again after this long. */
const READ_AHEAD_RETRY_MS = 10_000;

/**
 * The comments a batch of moderation jobs names. On MongoDB one `$in` query; on FerretDB
 * on SQLite one query by `_id` each (the only filter it pushes down). On FerretDB on
 * PostgreSQL (see SetLookup and pushesDownEquality) a query by `_id` costs a scan of the
 * whole table in PostgreSQL, so the comments waiting for their automated decision
 * (pending, not held) are read ahead in one query FerretDB pushes down
 * (`{ status: 'pending', held: false }`), up to READ_AHEAD_MAX, and the batches that
 * follow take theirs from that read: a queue drained in order finds nearly all of its
 * comments there. The rest are read by `_id`.
 *
 * A comment taken from a read-ahead is as it was when that read ran, which can be
 * seconds before its decision. That is safe because a decision claims the version it was
 * made on (see DecisionService): if anyone changed the comment since, the claim is taken,
 * the job fails and is retried, and a retry never uses the read-ahead again (each
 * comment is taken from it once). Only a read-ahead that began after the jobs were
 * handed in, and found fewer than READ_AHEAD_MAX, shows that a comment it lacks is not
 * waiting (decided, held for a person, removed or deleted).
 */
export class WaitingComments {
  private readAhead = new Map<string, CommentDoc>();
  private reading: Promise<void> | null = null;
  /** How many comments the last read-ahead found, whether that was all, when it ran, how many were taken since. */
  private last = { found: 0, complete: false, at: 0, taken: 0 };

  /** `readAhead` forces the read-ahead on or off (tests); by default it is used where it pays (see above). */
  constructor(private readonly options: { readAhead?: boolean } = {}) {}

  /**
   * The comments of the jobs: each as stored (or as the read-ahead found it), or null
   * when it is not waiting for this job's decision; none is left out.
   */
  async read(jobs: readonly ModerationPayload[]): Promise<Map<string, CommentDoc | null>> {
    if (!(await this.readsAhead())) return byId(jobs.map((j) => j.commentId));
    const found = new Map<string, CommentDoc | null>();
    let missing = this.take(jobs, found);
    if (missing.length === 0) return found;
    if (this.reading) {
      // Begun before these jobs came: it may lack their comments, which is no proof.
      await this.reading;
      missing = this.take(missing, found);
    } else if (this.worthReading(missing.length)) {
      const reading = this.readWaiting();
      this.reading = reading.finally(() => {
        this.reading = null;
      });
      await this.reading;
      missing = this.take(missing, found);
      if (this.last.complete) {
        for (const job of missing) found.set(job.commentId, null);
        return found;
      }
    }
    const read = await byId(missing.map((j) => j.commentId));
    for (const [id, comment] of read) found.set(id, comment);
    return found;
  }

  private async readsAhead(): Promise<boolean> {
    if (this.options.readAhead !== undefined) return this.options.readAhead;
    return setLookups() === 'each' && (await pushesDownEquality(CommentModel.collection.collectionName));
  }

  /** Takes the jobs' comments out of the read-ahead into `found`; returns the jobs it lacks. */
  private take(jobs: readonly ModerationPayload[], found: Map<string, CommentDoc | null>): ModerationPayload[] {
    const missing: ModerationPayload[] = [];
    for (const job of jobs) {
      const comment = this.readAhead.get(job.commentId);
      // An older revision than the job's was read before the edit that made this job.
      if (comment && comment.revision >= job.revision) {
        found.set(job.commentId, comment);
        this.readAhead.delete(job.commentId);
        this.last.taken += 1;
      } else missing.push(job);
    }
    return missing;
  }

  /**
   * A read-ahead is worth it when it costs less than reading the missing comments by
   * `_id`, or when the last one served about as many as it decoded; one that did not
   * (the comments waiting are not those asked for) is tried again only after a while.
   */
  private worthReading(missing: number): boolean {
    const { found, taken, at } = this.last;
    return (
      found <= READ_AHEAD_RATIO * missing || taken * READ_AHEAD_RATIO >= found || Date.now() - at >= READ_AHEAD_RETRY_MS
    );
  }

  private async readWaiting(): Promise<void> {
    const waiting = await CommentModel.find({ status: 'pending', held: false }).limit(READ_AHEAD_MAX).lean();
    this.readAhead = new Map(waiting.map((c) => [String(c._id), c]));
    this.last = { found: waiting.length, complete: waiting.length < READ_AHEAD_MAX, at: Date.now(), taken: 0 };
  }
}

/** Comments by id, as stored; null for those that do not exist. */
export async function byId(ids: readonly string[]): Promise<Map<string, CommentDoc | null>> {
  const found = await lookUpSet(
    ids,
    async (id) => {
      const comment = await CommentModel.findById(id).lean();
      return comment ? [comment] : [];
    },
    (all) => CommentModel.find({ _id: { $in: all } }).lean(),
  );
  const byKey = new Map(found.map((c) => [String(c._id), c]));
  return new Map(ids.map((id) => [id, byKey.get(id) ?? null]));
}
