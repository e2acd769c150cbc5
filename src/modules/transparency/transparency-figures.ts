import type { Types } from 'mongoose';
import { LogEntryDoc, ModerationLogModel } from '../moderation-log/moderation-log.model';
import type { Window } from './transparency.schemas';
import { timeToDecision, TimeToDecision } from './time-to-decision';

/** A count per reason id. */
export type ByReason = Record<string, number>;

/** The transparency figures of a site over a window: counts only, nothing that names a person or a comment. */
export interface TransparencyFigures {
  site: string;
  from: string;
  to: string;
  notices: { received: number; byReason: ByReason };
  actions: {
    total: number;
    byReason: ByReason;
    automated: number;
    human: number;
    byAction: { rejected: number; removed: number; banned: number };
  };
  timeToDecision: TimeToDecision;
  appeals: { received: number; decided: number; upheld: number; reversed: number };
  bans: number;
}

/** The log actions the figures are counted from. */
const COUNTED = [
  'notice_received',
  'notice_decided',
  'rejected',
  'removed',
  'banned',
  'appeal_received',
  'appeal_decided',
];

/**
 * Removals that are no moderation decision: the author's own delete (the entry's actor is
 * then the author), and removals by erasure or retention, which the system makes in the
 * subject's or the site's name, not against the content.
 */
const NOT_A_DECISION = new Set(['removed_by_author', 'erasure', 'retention']);

/** Decided notices whose receipt is looked up at once (one query each so many). */
const LOOKUP_BATCH = 500;

type Read = Pick<LogEntryDoc, 'at' | 'actorKind' | 'action' | 'reason' | 'reasonId' | 'noticeId' | 'outcome'>;

const count = (byReason: ByReason, reasonId: string | null) => {
  if (reasonId) byReason[reasonId] = (byReason[reasonId] ?? 0) + 1;
};

/** Whether an entry is an action against content or a person by the system or a moderator. */
function isAction(e: Read): e is Read & { action: 'rejected' | 'removed' | 'banned' } {
  if (e.actorKind !== 'system' && e.actorKind !== 'moderator') return false;
  if (e.action === 'removed') return !NOT_A_DECISION.has(e.reason ?? '');
  return e.action === 'rejected' || e.action === 'banned';
}

/**
 * Counts a site's figures over a window from the moderation log alone. One pass over the
 * window's entries by the log's { siteId, at } index, a cursor with only the fields the
 * counts need, so memory holds counters, a batch of decided notices and one number per
 * decided notice (the times the percentiles are taken of). A decided notice's receipt
 * may lie before the window: it is looked up by its claim key, `n:<noticeId>:received`,
 * which the log's unique index serves.
 *
 * Each counted entry is one decision: a decision's entry is also its claim on the comment
 * version (`c:<commentId>:v<version>`, unique), a retried decision finds its own claim
 * instead of writing another, and a claim that never reached the comment is deleted when
 * voided, so no decision is in the log twice.
 */
export async function countFigures(siteId: string, window: Window): Promise<TransparencyFigures> {
  const figures: TransparencyFigures = {
    site: siteId,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    notices: { received: 0, byReason: {} },
    actions: { total: 0, byReason: {}, automated: 0, human: 0, byAction: { rejected: 0, removed: 0, banned: 0 } },
    timeToDecision: { decided: 0, medianSeconds: null, p90Seconds: null },
    appeals: { received: 0, decided: 0, upheld: 0, reversed: 0 },
    bans: 0,
  };
  const seconds: number[] = [];
  let decided: Array<{ noticeId: Types.ObjectId; at: Date }> = [];
  const entries = ModerationLogModel.find(
    { siteId, at: { $gte: window.from, $lt: window.to }, action: { $in: COUNTED } },
    { _id: 0, at: 1, actorKind: 1, action: 1, reason: 1, reasonId: 1, noticeId: 1, outcome: 1 },
  )
    .lean<Read[]>()
    .cursor({ batchSize: 1000 });
  for await (const e of entries as AsyncIterable<Read>) {
    if (isAction(e)) {
      const { actions } = figures;
      actions.total++;
      actions.byAction[e.action]++;
      count(actions.byReason, e.reasonId);
      if (e.actorKind === 'system') actions.automated++;
      else actions.human++;
      if (e.action === 'banned') figures.bans++;
    } else if (e.action === 'notice_received') {
      figures.notices.received++;
      count(figures.notices.byReason, e.reasonId);
    } else if (e.action === 'notice_decided' && e.noticeId) {
      decided.push({ noticeId: e.noticeId, at: e.at });
      if (decided.length >= LOOKUP_BATCH) {
        seconds.push(...(await secondsToDecision(siteId, decided)));
        decided = [];
      }
    } else if (e.action === 'appeal_received') {
      figures.appeals.received++;
    } else if (e.action === 'appeal_decided') {
      figures.appeals.decided++;
      if (e.outcome === 'upheld') figures.appeals.upheld++;
      if (e.outcome === 'reversed') figures.appeals.reversed++;
    }
  }
  seconds.push(...(await secondsToDecision(siteId, decided)));
  figures.timeToDecision = timeToDecision(seconds);
  return figures;
}

/** How long each decided notice took since its receipt, in whole seconds (notices without a receipt left out). */
async function secondsToDecision(
  siteId: string,
  decided: ReadonlyArray<{ noticeId: Types.ObjectId; at: Date }>,
): Promise<number[]> {
  if (decided.length === 0) return [];
  const received = await ModerationLogModel.find(
    {
      claimKey: { $in: decided.map((d) => `n:${String(d.noticeId)}:received`) },
      siteId,
      action: 'notice_received',
    },
    { _id: 0, noticeId: 1, at: 1 },
  ).lean<Array<Pick<LogEntryDoc, 'noticeId' | 'at'>>>();
  const receivedAt = new Map(received.map((r) => [String(r.noticeId), r.at.getTime()]));
  return decided.flatMap((d) => {
    const start = receivedAt.get(String(d.noticeId));
    return start === undefined ? [] : [Math.max(0, Math.round((d.at.getTime() - start) / 1000))];
  });
}
