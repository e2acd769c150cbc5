import { CommentDoc, CommentModel, RuleHit } from '../comments/comment.model';
import type { Site } from '../sites/site.service';
import { countLinks } from './rules/links';
import { findPersonalData } from './rules/personal-data';
import { compileWordList, WordMatcher } from './rules/word-matcher';

/** The same text from the same commenter within this window is a duplicate. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** More than BURST_COUNT comments within BURST_WINDOW_MS is a burst, held for a person. */
const BURST_WINDOW_MS = 2 * 60_000;
const BURST_COUNT = 4;

// Word lists compile to regular expressions once per site configuration.
const matchers = new Map<string, { version: number; banned: WordMatcher; suspect: WordMatcher }>();

function matchersFor(site: Site) {
  const version = site.updatedAt.getTime();
  const cached = matchers.get(site.id);
  if (cached && cached.version === version) return cached;
  const fresh = {
    version,
    banned: compileWordList(site.config.moderation.bannedWords),
    suspect: compileWordList(site.config.moderation.suspectWords),
  };
  matchers.set(site.id, fresh);
  return fresh;
}

/**
 * Runs the site's automated rules on one comment revision and says what fired and why.
 * `reject` rules win over `hold` rules; the caller turns hits into an outcome.
 */
export async function evaluateRules(site: Site, comment: CommentDoc): Promise<RuleHit[]> {
  const settings = site.config.moderation;
  const hits: RuleHit[] = [];
  const { banned, suspect } = matchersFor(site);

  const bannedFound = banned.find(comment.body);
  if (bannedFound.length) hits.push({ rule: 'banned_word', action: 'reject', detail: bannedFound.join(', ') });
  const suspectFound = suspect.find(comment.body);
  if (suspectFound.length) hits.push({ rule: 'suspect_word', action: 'hold', detail: suspectFound.join(', ') });

  if (settings.holdPersonalData) {
    const kinds = findPersonalData(comment.body);
    if (kinds.length) hits.push({ rule: 'personal_data', action: 'hold', detail: kinds.join(', ') });
  }

  const links = countLinks(comment.body);
  if (links > settings.maxLinks)
    hits.push({ rule: 'too_many_links', action: 'hold', detail: `${links} > ${settings.maxLinks}` });

  if (comment.authorId) {
    const since = new Date(comment.createdAt.getTime() - Math.max(DUPLICATE_WINDOW_MS, BURST_WINDOW_MS));
    const recent = await CommentModel.find(
      { siteId: site.id, authorId: comment.authorId, createdAt: { $gte: since, $lte: comment.createdAt } },
      { body: 1, createdAt: 1, status: 1 },
    ).lean();
    const others = recent.filter((c) => !c._id.equals(comment._id));
    const duplicate = others.some(
      (c) =>
        c.status !== 'removed' &&
        c.body === comment.body &&
        comment.createdAt.getTime() - c.createdAt.getTime() <= DUPLICATE_WINDOW_MS,
    );
    if (duplicate) hits.push({ rule: 'duplicate', action: 'reject', detail: null });
    const burst =
      others.filter((c) => comment.createdAt.getTime() - c.createdAt.getTime() <= BURST_WINDOW_MS).length + 1;
    if (burst > BURST_COUNT)
      hits.push({ rule: 'burst', action: 'hold', detail: `${burst} comments in ${BURST_WINDOW_MS / 60_000} minutes` });
  }
  return hits;
}
