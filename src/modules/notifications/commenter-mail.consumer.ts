import { Types } from 'mongoose';
import type { EventConsumer } from '../events/event-consumer';
import type { EventDoc } from '../events/event.model';
import { CommentModel } from '../comments/comment.model';
import { AppError } from '../../shared/errors';
import { CommenterMailKind, commenterMailJob, FLAG_OF } from './commenter-mail.job';
import { MailSubscriptionModel } from './mail-subscription.model';

/**
 * Which mail an event may become, if any. A comment published by the system right after
 * it was written is no news to its author (the widget showed it at once): only a
 * moderator's approval, after a wait, is mailed. A rejection is mailed either way, and so
 * are a moderator's removal and the decision of an appeal of a comment.
 */
function kindOf(event: EventDoc): CommenterMailKind | null {
  switch (event.type) {
    case 'comment.replied':
      return 'replied';
    case 'comment.published':
      return event.data.by === 'moderator' ? 'published' : null;
    case 'comment.rejected':
      return 'rejected';
    case 'comment.removed':
      return event.data.by === 'moderator' ? 'removed' : null; // not the author's own, an erasure or retention
    case 'appeal.decided':
      return event.data.about === 'comment' ? 'appeal_decided' : null;
    default:
      return null;
  }
}

const idOf = (v: unknown) => (typeof v === 'string' && Types.ObjectId.isValid(v) ? v : null);

/**
 * Commenters' mail from the event feed: for each reply, approval or rejection whose
 * recipient (the author of the comment replied to, or of the comment decided on) has
 * opted in, one job on the commenter-mail queue under an id made of the event id and the
 * kind, so that an event handed out again adds nothing; the job (commenter-mail.job.ts)
 * checks everything again and sends. Redis down: adding throws, the dispatcher keeps the
 * events and hands them out again.
 */
export const commenterMailConsumer: EventConsumer = {
  name: 'commenter-mail',
  async take(events, services, log) {
    if (!services.mailer) return;
    const wanted = events
      .map((event) => ({ event, kind: kindOf(event) }))
      .filter((w): w is { event: EventDoc; kind: CommenterMailKind } => w.kind !== null);
    if (wanted.length === 0) return;

    const recipientCommentOf = (w: { event: EventDoc; kind: CommenterMailKind }) =>
      idOf(w.kind === 'replied' ? w.event.data.parentId : w.event.data.commentId);
    const ids = [
      ...new Set(wanted.flatMap((w) => [recipientCommentOf(w), idOf(w.event.data.commentId)]).filter((id) => !!id)),
    ] as string[];
    const comments = await CommentModel.find({ _id: { $in: ids } }, { siteId: 1, authorId: 1 }).lean();
    const byId = new Map(comments.map((c) => [String(c._id), c]));
    const authorIds = [...new Set(comments.map((c) => c.authorId && String(c.authorId)).filter((a) => !!a))];
    const subscriptions = authorIds.length
      ? await MailSubscriptionModel.find({ commenterId: { $in: authorIds } }).lean()
      : [];
    const subscriptionOf = new Map(subscriptions.map((s) => [`${s.siteId}:${String(s.commenterId)}`, s]));

    const queue = services.jobQueues.of(commenterMailJob);
    let queued = 0;
    for (const w of wanted) {
      const about = byId.get(recipientCommentOf(w) ?? '');
      if (!about?.authorId || about.siteId !== w.event.siteId) continue;
      if (w.kind === 'replied' && byId.get(idOf(w.event.data.commentId) ?? '')?.authorId?.equals(about.authorId))
        continue; // one's own reply to oneself
      const subscription = subscriptionOf.get(`${w.event.siteId}:${String(about.authorId)}`);
      if (!subscription?.[FLAG_OF[w.kind]]) continue;
      try {
        const site = await services.sites.get(w.event.siteId);
        if (!site.config.notifications.commenterMails) continue;
      } catch (err) {
        if (err instanceof AppError && err.code === 'NOT_FOUND') continue;
        throw err;
      }
      const payload = { eventId: w.event._id, kind: w.kind };
      await queue.add(commenterMailJob.jobId(payload), payload);
      queued++;
    }
    if (queued > 0) log.info({ mails: queued }, 'commenter mails queued');
  },
};
