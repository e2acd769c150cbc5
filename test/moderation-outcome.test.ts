import type { RuleHit } from '../src/modules/comments/comment.model';
import { decideOutcome } from '../src/modules/moderation/rules/outcome';

const hold = (rule: string): RuleHit => ({ rule, action: 'hold', detail: null });
const reject = (rule: string): RuleHit => ({ rule, action: 'reject', detail: null });

describe('the outcome of the automated rules', () => {
  it('when no rule fires on a post-moderated site, then the comment is published with no reason', () => {
    expect(decideOutcome([], 'post')).toEqual({ outcome: 'published', reason: null });
  });

  it('when no rule fires on a pre-moderated site, then the comment is held for a person because of pre-moderation', () => {
    expect(decideOutcome([], 'pre')).toEqual({ outcome: 'held', reason: 'pre_moderation' });
  });

  it('when a hold rule fires, then the comment is held, and the rule (not pre-moderation) is why', () => {
    expect(decideOutcome([hold('suspect_word')], 'post')).toEqual({ outcome: 'held', reason: null });
    expect(decideOutcome([hold('too_many_links')], 'pre')).toEqual({ outcome: 'held', reason: null });
  });

  it('when a reject rule fires, then the comment is rejected, whatever else fired and whatever the mode', () => {
    expect(decideOutcome([reject('banned_word')], 'post')).toEqual({ outcome: 'rejected', reason: null });
    expect(decideOutcome([hold('personal_data'), reject('duplicate')], 'pre')).toEqual({
      outcome: 'rejected',
      reason: null,
    });
    expect(decideOutcome([reject('banned_word'), hold('burst')], 'post')).toEqual({
      outcome: 'rejected',
      reason: null,
    });
  });
});
