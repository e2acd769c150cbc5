import type { Types } from 'mongoose';
import { lookUpSet } from '../../infra/mongo';
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
/** How far back the duplicate and burst rules look from a comment. */
const LOOKBACK_MS = Math.max(DUPLICATE_WINDOW_MS, BURST_WINDOW_MS);

/** What the duplicate and burst rules read of a commenter's other comments. */
export type RecentComment = Pick<CommentDoc, '_id' | 'siteId' | 'authorId' | 'body' | 'createdAt' | 'status'>;

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
 * `reject` rules win over `hold` rules; the caller turns hits into an outcome. `recent`
 * holds the comments recentCommentsOf read for it (it may hold others too).
 */
export function evaluateRules(site: Site, comment: CommentDoc, recent: readonly RecentComment[]): RuleHit[] {
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
    const at = comment.createdAt.getTime();
    const others = recent.filter(
      (c) =>
        c.siteId === comment.siteId &&
        !!c.authorId &&
        c.authorId.equals(comment.authorId!) &&
        !c._id.equals(comment._id) &&
        c.createdAt.getTime() <= at &&
        at - c.createdAt.getTime() <= LOOKBACK_MS,
    );
    const duplicate = others.some(
      (c) => c.status !== 'removed' && c.body === comment.body && at - c.createdAt.getTime() <= DUPLICATE_WINDOW_MS,
    );
    if (duplicate) hits.push({ rule: 'duplicate', action: 'reject', detail: null });
    const burst = others.filter((c) => at - c.createdAt.getTime() <= BURST_WINDOW_MS).length + 1;
    if (burst > BURST_COUNT)
      hits.push({ rule: 'burst', action: 'hold', detail: `${burst} comments in ${BURST_WINDOW_MS / 60_000} minutes` });
  }
  return hits;
}

/** One author's comments to read: created from `from` to `to` (ms since the epoch). */
interface AuthorWindow {
  siteId: string;
  authorId: Types.ObjectId;
  from: number;
  to: number;
}

/**
 * Reads what the duplicate and burst rules need for a set of comments: their authors'
 * comments created up to LOOKBACK_MS before each. Comments of one author share one
 * query; authors of one site share one `$in` query where the database serves that from
 * an index (see lookUpSet).
 */
export async function recentCommentsOf(comments: readonly CommentDoc[]): Promise<RecentComment[]> {
  const windows = new Map<string, AuthorWindow>();
  for (const c of comments) {
    if (!c.authorId) continue;
    const key = `${c.siteId}\n${String(c.authorId)}`;
    const at = c.createdAt.getTime();
    const w = windows.get(key);
    if (w) {
      w.from = Math.min(w.from, at - LOOKBACK_MS);
      w.to = Math.max(w.to, at);
    } else windows.set(key, { siteId: c.siteId, authorId: c.authorId, from: at - LOOKBACK_MS, to: at });
  }
  const projection = { siteId: 1, authorId: 1, body: 1, createdAt: 1, status: 1 };
  const bySite = new Map<string, AuthorWindow[]>();
  for (const w of windows.values()) bySite.set(w.siteId, [...(bySite.get(w.siteId) ?? []), w]);
  const found = await Promise.all(
    [...bySite.values()].map((authors) =>
      lookUpSet(
        authors,
        (w) =>
          CommentModel.find(
            { siteId: w.siteId, authorId: w.authorId, createdAt: { $gte: new Date(w.from), $lte: new Date(w.to) } },
            projection,
          ).lean(),
        (all) =>
          CommentModel.find(
            {
              siteId: all[0]!.siteId,
              authorId: { $in: all.map((w) => w.authorId) },
              createdAt: {
                $gte: new Date(Math.min(...all.map((w) => w.from))),
                $lte: new Date(Math.max(...all.map((w) => w.to))),
              },
            },
            projection,
          ).lean(),
      ),
    ),
  );
  return found.flat();
}
