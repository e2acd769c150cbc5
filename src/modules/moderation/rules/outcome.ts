import type { RuleHit } from '../../comments/comment.model';
import type { Outcome } from '../decision.service';

/** What the automated rules can decide on their own: approving is a person's word. */
export type AutomatedOutcome = Exclude<Outcome, 'approved'>;

/**
 * Turns the rules that fired and the site's moderation mode into an outcome: any `reject`
 * rule rejects; any `hold` rule, or pre-moderation, holds for a person; otherwise the
 * comment is published. Only a hold that no rule explains gives a reason of its own,
 * `pre_moderation`, so the moderator sees why a clean comment waits.
 */
export function decideOutcome(
  rules: readonly RuleHit[],
  mode: 'pre' | 'post',
): { outcome: AutomatedOutcome; reason: string | null } {
  const outcome: AutomatedOutcome = rules.some((r) => r.action === 'reject')
    ? 'rejected'
    : rules.some((r) => r.action === 'hold') || mode === 'pre'
      ? 'held'
      : 'published';
  return { outcome, reason: outcome === 'held' && rules.length === 0 ? 'pre_moderation' : null };
}
