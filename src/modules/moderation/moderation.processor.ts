import { Batcher, Settled } from '../../infra/batcher';
import type { Logger } from '../../infra/logger';
import { checkpoint } from '../../shared/checkpoints';
import type { CommentDoc } from '../comments/comment.model';
import type { Site, SiteService } from '../sites/site.service';
import { evaluateRules, recentCommentsOf } from './automated-rules';
import { decideOutcome } from './rules/outcome';
import { AutomatedDecision, DecisionService, eventsOfDecision, Outcome } from './decision.service';
import { recordEvents } from '../events/record-events';
import { reasonOfRules } from '../reasons/reason-lookup';
import type { ModerationPayload } from './moderation.job';
import { byId, WaitingComments } from './waiting-comments';

export type JobResult = Outcome | 'stale' | 'repeated';

export interface ProcessorDeps {
  sites: SiteService;
  decisions: DecisionService;
  /** Called with seconds from post (or edit) to decision. */
  observeDecision?: (seconds: number, outcome: Outcome) => void;
  /** Where a worker's batches read their comments; without it, each batch reads its own. */
  waiting?: WaitingComments;
}

/** A moderation job as a batch takes it: its payload and its logger. */
export interface ModerationJobRun {
  payload: ModerationPayload;
  log: Logger;
}

/**
 * Decides one comment revision with the site's automated rules (the outcome rule is
 * decideOutcome). Running the same job twice decides once (see DecisionService).
 */
export async function processModeration(job: ModerationPayload, deps: ProcessorDeps, log: Logger): Promise<JobResult> {
  const [result] = await processModerationBatch([{ payload: job, log }], deps);
  if (!result!.ok) throw result!.error;
  return result!.value;
}

/**
 * Decides several comment revisions at once, each as processModeration decides one, with
 * the round trips shared: the comments are read together, each author's recent comments
 * once for the batch, every decision's claim goes in one insert (see
 * DecisionService.decideMany). Answers for each job in order: its result, or the error
 * that job alone failed with (it is retried). Two jobs of one comment are decided one
 * after the other, never at once (FerretDB can lose one of two concurrent updates of a
 * document).
 */
export async function processModerationBatch(
  jobs: readonly ModerationJobRun[],
  deps: ProcessorDeps,
): Promise<Array<Settled<JobResult>>> {
  const seen = new Set<string>();
  const first = jobs.filter(({ payload }) => !seen.has(payload.commentId) && !!seen.add(payload.commentId));
  if (first.length < jobs.length) {
    const firstResults = await processModerationBatch(first, deps);
    const laterResults = await processModerationBatch(
      jobs.filter((job) => !first.includes(job)),
      deps,
    );
    return jobs.map((job) => (first.includes(job) ? firstResults[first.indexOf(job)]! : laterResults.shift()!));
  }

  const results: Array<Settled<JobResult>> = jobs.map(() => ({ ok: true, value: 'stale' }));
  const comments = deps.waiting
    ? await deps.waiting.read(jobs.map((j) => j.payload))
    : await byId(jobs.map((j) => j.payload.commentId));
  const sites = await sitesOf(deps.sites, [
    ...new Set([...comments.values()].filter((c): c is CommentDoc => !!c).map((c) => c.siteId)),
  ]);
  const live: Array<{ index: number; comment: CommentDoc; site: Site }> = [];
  const decidedBefore: CommentDoc[] = [];
  jobs.forEach(({ payload, log }, index) => {
    const comment = comments.get(payload.commentId);
    const site = comment && sites.get(comment.siteId);
    if (!comment || !site || comment.revision !== payload.revision || comment.status !== 'pending' || comment.held) {
      if (comment && comment.revision === payload.revision && comment.decidedBy === 'system')
        decidedBefore.push(comment);
      log.debug({ commentId: payload.commentId }, 'stale moderation job skipped');
      return;
    }
    live.push({ index, comment, site });
  });
  // A job that decided its comment and died before writing the events is retried and
  // finds the comment decided: the events are written again from the comment (stored once).
  await recordEvents(decidedBefore.flatMap(eventsOfSystemDecision));
  if (live.length === 0) return results;

  const recent = await recentCommentsOf(live.map((l) => l.comment));
  const decisions: AutomatedDecision[] = live.map(({ comment, site }) => {
    const rules = evaluateRules(site, comment, recent);
    const decided = decideOutcome(rules, site.config.moderation.mode);
    return {
      comment,
      rules,
      ...decided,
      reasonId: decided.outcome === 'published' ? null : reasonOfRules(site, rules),
    };
  });
  await checkpoint('moderation.batch.evaluated');
  const decided = await deps.decisions.decideMany(decisions);

  live.forEach(({ index, comment }, i) => {
    const { payload, log } = jobs[index]!;
    const outcome = decisions[i]!.outcome;
    const result = decided[i]!;
    if (!result.ok) {
      results[index] = result;
      return;
    }
    const decidedAt = result.value;
    if (!(decidedAt instanceof Date)) {
      results[index] = { ok: true, value: decidedAt };
      return;
    }
    const since = (comment.editedAt ?? comment.createdAt).getTime();
    deps.observeDecision?.((decidedAt.getTime() - since) / 1000, outcome);
    log.info(
      {
        commentId: payload.commentId,
        revision: payload.revision,
        outcome,
        rules: decisions[i]!.rules.map((r) => r.rule),
      },
      'comment decided',
    );
    results[index] = { ok: true, value: outcome };
  });
  return results;
}

/** The events of the system's decision a comment still shows (its last change), on the version that decision claimed. */
function eventsOfSystemDecision(comment: CommentDoc) {
  const outcome = comment.status === 'pending' && comment.held ? 'held' : comment.status;
  if (outcome !== 'held' && outcome !== 'published' && outcome !== 'rejected') return [];
  return eventsOfDecision(
    { ...comment, version: comment.version - 1 },
    outcome,
    'system',
    comment.rules,
    comment.reasonId,
  );
}

/** The sites of a batch's comments (those that exist); SiteService keeps them in memory. */
async function sitesOf(sites: SiteService, ids: readonly string[]): Promise<Map<string, Site>> {
  const found = await Promise.all(ids.map((id) => sites.find(id)));
  return new Map(found.filter((s): s is Site => !!s).map((s) => [s.id, s]));
}

/**
 * The moderation jobs of one worker process, decided in batches (see Batcher): a job that
 * finds a batch slot free is decided at once; jobs that arrive while both slots are busy
 * go together in the next batch. Jobs of one comment never share a batch or run at once.
 */
export class ModerationBatches {
  private readonly batcher: Batcher<ModerationJobRun, JobResult>;

  constructor(deps: ProcessorDeps, options: { maxBatch: number; maxInFlight: number }) {
    const withWaiting = { waiting: new WaitingComments(), ...deps };
    this.batcher = new Batcher((jobs) => processModerationBatch(jobs, withWaiting), {
      ...options,
      keyOf: (job) => job.payload.commentId,
    });
  }

  /** Decides one job with whichever batch takes it; settles with that job's result. */
  decide(payload: ModerationPayload, log: Logger): Promise<JobResult> {
    return this.batcher.add({ payload, log });
  }
}
