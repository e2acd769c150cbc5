import type { Logger } from '../../infra/logger';
import { CommentModel } from '../comments/comment.model';
import type { SiteService } from '../sites/site.service';
import { evaluateRules } from './automated-rules';
import { decideOutcome } from './rules/outcome';
import type { DecisionService, Outcome } from './decision.service';
import type { ModerationPayload } from './moderation.job';

export type JobResult = Outcome | 'stale' | 'repeated';

export interface ProcessorDeps {
  sites: SiteService;
  decisions: DecisionService;
  /** Called with seconds from post (or edit) to decision. */
  observeDecision?: (seconds: number, outcome: Outcome) => void;
}

/**
 * Decides one comment revision with the site's automated rules (the outcome rule is
 * decideOutcome). Running the same job twice decides once (see DecisionService).
 */
export async function processModeration(job: ModerationPayload, deps: ProcessorDeps, log: Logger): Promise<JobResult> {
  const comment = await CommentModel.findById(job.commentId).lean();
  if (!comment || comment.revision !== job.revision || comment.status !== 'pending' || comment.held) {
    log.debug({ commentId: job.commentId }, 'stale moderation job skipped');
    return 'stale';
  }
  const site = await deps.sites.find(comment.siteId);
  if (!site) return 'stale';
  const rules = await evaluateRules(site, comment);
  const { outcome, reason } = decideOutcome(rules, site.config.moderation.mode);
  const updated = await deps.decisions.decide(comment, outcome, { kind: 'system' }, { rules, reason });
  if (!updated) return 'repeated';
  const since = (comment.editedAt ?? comment.createdAt).getTime();
  deps.observeDecision?.((updated.decidedAt!.getTime() - since) / 1000, outcome);
  log.info(
    { commentId: job.commentId, revision: job.revision, outcome, rules: rules.map((r) => r.rule) },
    'comment decided',
  );
  return outcome;
}
