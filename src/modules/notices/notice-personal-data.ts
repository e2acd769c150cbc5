import type { PersonalDataPlace } from '../privacy/personal-data-inventory';
import { ERASED_NOTIFIER, NoticeModel, NoticeDoc } from './notice.model';

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/**
 * The notices a person sent, as a place of the personal-data inventory: found by the
 * keyed hash of their address (from their profile's email, or the address a privacy
 * officer is given). Erasure keeps the case and deletes the notifier's data.
 */
export const noticesMade: PersonalDataPlace = {
  key: 'noticesMade',
  model: NoticeModel,
  holds:
    'notices of illegal content the subject sent: their name, address and explanation; found by a keyed hash of the address',
  filter: (s) => (s.emailRef ? { siteId: s.siteId, notifierEmailRef: s.emailRef } : null),
  sort: { createdAt: 1 },
  erasure: 'keep',
  receiptKey: 'notices_kept',
  keptBecause:
    'A notice of illegal content is the case record of what was noticed and decided (DSA Art. 16 and 17, and the ' +
    "transparency figures): its reason, status and decision are kept. The notifier's name, address and explanation are deleted.",
  eraseIdentity: async (s) => {
    // A moderator's decisions keep the decision, not the profile id (the log keeps its pseudonymised actor).
    if (s.commenterId)
      await NoticeModel.updateMany(
        { 'decision.by': s.commenterId, siteId: s.siteId },
        { $set: { 'decision.by': null } },
      );
    if (!s.emailRef) return;
    const notices = await NoticeModel.find({ siteId: s.siteId, notifierEmailRef: s.emailRef }, { _id: 1 }).lean();
    if (notices.length === 0) return;
    const now = new Date();
    // Each notice's dedupe key held the address's hash too: it becomes the notice's own.
    await NoticeModel.bulkWrite(
      notices.map((n) => ({
        updateMany: {
          filter: { _id: n._id, siteId: s.siteId },
          update: { $set: { ...ERASED_NOTIFIER, notifierErasedAt: now, dedupeKey: `x:${String(n._id)}` } },
        },
      })),
      { ordered: false },
    );
  },
  exportAs: (notices: NoticeDoc[]) =>
    notices.map((n) => ({
      id: String(n._id),
      commentId: String(n.commentId),
      reasonId: n.reasonId,
      explanation: n.explanation,
      notifier: { name: n.notifierName, email: n.notifierEmail },
      status: n.status,
      createdAt: iso(n.createdAt),
      decision: n.decision
        ? { action: n.decision.action, reasonId: n.decision.reasonId, at: iso(n.decision.at) }
        : null,
    })),
};
