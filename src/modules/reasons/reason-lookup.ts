import { AppError } from '../../shared/errors';
import type { RuleHit } from '../comments/comment.model';
import type { Site } from '../sites/site.service';
import type { AutomatedRule, Reason } from './reason.schemas';

/**
 * The reason a person's rejection, removal or ban names: 422 REASON_REQUIRED without one,
 * or with an id the site's catalogue does not have (the details list the ids it has).
 */
export function requireReason(site: Site, reasonId: string | undefined | null): Reason {
  const reason = reasonId ? site.reasons.reasons.find((r) => r.id === reasonId) : undefined;
  if (!reason)
    throw new AppError('REASON_REQUIRED', {
      ...(reasonId ? { reasonId, problem: 'unknown' } : { problem: 'missing' }),
      reasons: site.reasons.reasons.map((r) => r.id),
    });
  return reason;
}

/**
 * The reason an automated decision rests on: that of the rule which decided it (the first
 * rejecting rule for a rejection, the first rule for a hold), as the site maps its rules;
 * null when no rule fired (a hold by pre-moderation) or the rule is not mapped.
 */
export function reasonOfRules(site: Site, rules: readonly RuleHit[]): string | null {
  const deciding = rules.find((r) => r.action === 'reject') ?? rules[0];
  if (!deciding) return null;
  return site.reasons.rules[deciding.rule as AutomatedRule] ?? null;
}
