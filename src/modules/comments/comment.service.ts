import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { AppError, forbidden, notFound } from '../../shared/errors';
import { keyedHash } from '../../infra/keyed-hash';
import { checkCommentText } from '../../shared/comment-text';
import { Identity, isModerator, verifyCommenterToken } from '../auth/commenter-token';
import type { CommenterDoc } from '../commenters/commenter.model';
import type { CommenterService } from '../commenters/commenter.service';
import type { BanService } from '../bans/ban.service';
import type { ModerationQueue } from '../moderation/moderation.queue';
import { Actor, ClaimTaken, ModerationLogService, moderatorActor } from '../moderation-log/moderation-log.service';
import type { LogEntryDoc } from '../moderation-log/moderation-log.model';
import { assertNotBeingErased, erasureBegun, erasureInProgress } from '../privacy/erasure-marker';
import type { RefusalCache } from '../../infra/refusal-cache';
import { commentCreated } from '../events/comment-events';
import { recordEvents } from '../events/record-events';
import { checkpoint } from '../../shared/checkpoints';
import { requireReason } from '../reasons/reason-lookup';
import { claimNextVersion, commentClaimKey, voidUnappliedClaim } from './comment-claims';
import type { Site } from '../sites/site.service';
import type { ThreadService } from '../threads/thread.service';
import { CommentDoc, CommentModel } from './comment.model';
import { toCommentView, CommentView } from './comment.view';
import { afterCursor, decodeCursor, encodeCursor } from '../../shared/cursor';
import { IdempotencyModel } from './idempotency.model';
import { removeComments } from './comment-removal';
import { withholdComment } from './comment-withholding';
import type { CreateCommentInput, ListCommentsQuery, ListRepliesQuery } from './comment.schemas';
import { firstReplies, replyPage } from './replies';
import {
  CommentPage,
  loadOwnOnly,
  nothingOwn,
  OWN_KEPT_STATUSES,
  OwnOnlyComments,
  SharedPage,
  withOwn,
} from './own-comments';
import { bearerToken } from '../../http/request-context';
import type { WriteRateLimit } from './write-rate-limit';
import type { PublicPageCache } from '../../infra/page-cache';
import { isDuplicateKey } from '../../infra/mongo';

export interface ReplyPage {
  replies: CommentView[];
  nextCursor: string | null;
}

export interface CommentServiceDeps {
  threads: ThreadService;
  commenters: CommenterService;
  moderation: ModerationQueue;
  rateLimit: WriteRateLimit;
  bans: BanService;
  log: ModerationLogService;
  pageCache: PublicPageCache;
  refusals: RefusalCache;
  ipHashSecret: string;
}

/** Reading and writing comments: the public comment API's workflows. */
export class CommentService {
  private readonly siteOfComment = new Map<string, string>();

  constructor(private readonly deps: CommentServiceDeps) {}

  /**
   * One page of top-level comments with their replies, the same for every reader and
   * cached; a reader with a login also sees their own marked and their pending ones in
   * place, from memory too (see own-comments).
   */
  async list(site: Site, query: ListCommentsQuery, viewer: Identity | null): Promise<CommentPage> {
    const shared = await this.sharedPage(site, query);
    if (!viewer) return shared.page;
    const own = await this.ownOnly(site, query.thread);
    if (!own.complete) return (await this.loadPage(site, query, viewer)).page;
    if (nothingOwn(shared, own, viewer.sub)) return shared.page;
    return withOwn(shared, own, viewer.sub, query);
  }

  /**
   * True when the reader with this Authorization header gets exactly the shared page: no
   * token or one that reads as anonymous, or a reader with nothing of their own in it or
   * pending in the thread. Then a stored answer can be theirs (http/public-replay).
   */
  async sharedPageIsTheirs(site: Site, query: ListCommentsQuery, authorization: string): Promise<boolean> {
    const token = bearerToken({ headers: { authorization } });
    if (!token) return true;
    let viewer: Identity;
    try {
      viewer = await verifyCommenterToken(site, token);
    } catch (err) {
      if (err instanceof AppError) return true; // reads as anonymous (see optionalIdentity)
      throw err;
    }
    const [shared, own] = await Promise.all([
      this.sharedPage(site, query, false),
      this.ownOnly(site, query.thread, false),
    ]);
    return own.complete && nothingOwn(shared, own, viewer.sub);
  }

  private sharedPage(site: Site, query: ListCommentsQuery, counted = true): Promise<SharedPage> {
    const key = JSON.stringify([query.thread, query.sort, query.limit, query.cursor ?? null]);
    return this.deps.pageCache.read(site.id, key, () => this.loadPage(site, query, null), 'shared', counted);
  }

  private ownOnly(site: Site, thread: string, counted = true): Promise<OwnOnlyComments> {
    return this.deps.pageCache.read(
      site.id,
      JSON.stringify(['own', thread]),
      () => loadOwnOnly(site.id, thread, this.deps.commenters),
      'own',
      counted,
    );
  }

  private async loadPage(site: Site, query: ListCommentsQuery, viewer: Identity | null): Promise<SharedPage> {
    const profile = viewer ? await this.deps.commenters.find(site.id, viewer.sub) : null;
    const viewerId = profile?._id ?? null;
    const direction = query.sort === 'newest' ? -1 : 1;
    const visible = visibleTo(viewerId);
    const filter: Record<string, unknown> = { siteId: site.id, threadKey: query.thread, parentId: null, ...visible };
    if (query.cursor) filter.$and = [afterCursor(decodeCursor(query.cursor), direction)];
    const page = await CommentModel.find(filter)
      .sort({ createdAt: direction, _id: direction })
      .limit(query.limit + 1)
      .lean();
    const hasMore = page.length > query.limit;
    const top = page.slice(0, query.limit);
    // Each comment brings its first replies; the rest are paged by its repliesCursor, so none is lost.
    const replies = await firstReplies(
      site.id,
      query.thread,
      top.map((c) => c._id),
      visible,
    );
    const shown = [...top, ...[...replies.values()].flatMap((r) => r.replies)];
    const authors = await this.deps.commenters.authorsById(
      site.id,
      shown.map((c) => c.authorId).filter((id): id is Types.ObjectId => !!id),
    );
    const names = new Map([...authors].map(([id, a]) => [id, a.name]));
    const authorOf: Record<string, string> = {};
    for (const c of shown) {
      const author = c.authorId ? authors.get(String(c.authorId)) : undefined;
      if (author) authorOf[String(c._id)] = author.sub;
    }
    const comments = top.map((c) => {
      const slice = replies.get(String(c._id)) ?? { replies: [], cursor: null };
      return {
        ...toCommentView(c, names, viewerId),
        replies: slice.replies.map((r) => toCommentView(r, names, viewerId)),
        repliesCursor: slice.cursor,
      };
    });
    const last = top[top.length - 1];
    const nextCursor = hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last._id }) : null;
    return { page: { comments, nextCursor }, authorOf };
  }

  /**
   * One page of a top-level comment's replies, oldest first (a reply has none: replies are
   * one level deep). Cached for readers without a login like comment pages.
   */
  async replies(site: Site, commentId: string, query: ListRepliesQuery, viewer: Identity | null): Promise<ReplyPage> {
    if (viewer) return this.loadReplies(site, commentId, query, viewer);
    const key = JSON.stringify(['replies', commentId, query.limit, query.cursor ?? null]);
    return this.deps.pageCache.read(site.id, key, () => this.loadReplies(site, commentId, query, null));
  }

  private async loadReplies(
    site: Site,
    commentId: string,
    query: ListRepliesQuery,
    viewer: Identity | null,
  ): Promise<ReplyPage> {
    const profile = viewer ? await this.deps.commenters.find(site.id, viewer.sub) : null;
    const viewerId = profile?._id ?? null;
    const visible = visibleTo(viewerId);
    // A comment the reader may not see does not exist for them, nor do its replies.
    const parent = await CommentModel.findOne({ _id: commentId, siteId: site.id, ...visible }).lean();
    if (!parent) throw notFound('comment');
    const slice = await replyPage(parent, visible, query.cursor, query.limit);
    const names = await this.deps.commenters.namesById(
      site.id,
      slice.replies.map((r) => r.authorId).filter((id): id is Types.ObjectId => !!id),
    );
    return { replies: slice.replies.map((r) => toCommentView(r, names, viewerId)), nextCursor: slice.cursor };
  }

  /**
   * Creates a comment as `pending` and puts its moderation job on the queue. With an
   * idempotency key, a retry returns the first comment instead of making a second.
   * Every refusal (ban, erasure under way, closed thread, rate limit) comes before the
   * first write, so a refused post writes nothing.
   *
   * Database round trips of a post by a known commenter on a thread that exists, without
   * an idempotency key: the profile, the outbox entry, the comment, the erasure check
   * after writing, and a share of one batched outbox delete. Bans, thread state and
   * erasures under way come from the refusal cache (one MGET in Redis); the profile is
   * written only when it is new or changed (CommenterService.upsert).
   */
  async create(
    site: Site,
    identity: Identity,
    input: CreateCommentInput,
    context: { ip: string; idempotencyKey?: string },
  ): Promise<{ comment: CommentView; replayed: boolean }> {
    const text = checkedText(input.body, site.config.maxLength);
    const [refusals, known] = await Promise.all([
      this.deps.refusals.view(site.id),
      this.deps.commenters.find(site.id, identity.sub),
    ]);
    await this.deps.bans.assertNotBanned(site.id, identity.sub, refusals);
    if (known) await assertNotBeingErased(refusals, known._id);
    const keyHash = context.idempotencyKey ? createHash('sha256').update(context.idempotencyKey).digest('hex') : null;
    if (keyHash && known) {
      const earlier = await this.replay(site.id, known, keyHash);
      if (earlier) return { comment: earlier, replayed: true };
    }
    const thread = await this.deps.threads.findForWrite(refusals, input.thread);
    this.deps.threads.assertOpen(site, thread);
    const parentId = await this.resolveParent(site.id, input.thread, input.parentId ?? null);
    const ipHash = keyedHash(this.deps.ipHashSecret, context.ip);
    await this.deps.rateLimit.consume(site, identity.sub, ipHash);
    const author = await this.deps.commenters.upsert(identity, known);
    await checkpoint('comment.create.checked');

    const id = new Types.ObjectId();
    if (keyHash) {
      try {
        await IdempotencyModel.create({
          siteId: site.id,
          authorId: author._id,
          keyHash,
          commentId: id,
          createdAt: new Date(),
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const winner = await this.replay(site.id, author, keyHash, 3000);
        if (winner) return { comment: winner, replayed: true };
        throw new AppError('CONFLICT');
      }
    }
    // The thread is created by its first comment; an existing one needs no write.
    if (!thread)
      await this.deps.threads.ensure(
        site.id,
        input.thread,
        { title: input.threadTitle, url: input.threadUrl },
        refusals,
      );
    const now = new Date();
    await this.deps.moderation.record(id, 1);
    let doc: CommentDoc;
    try {
      doc = (
        await CommentModel.create({
          _id: id,
          siteId: site.id,
          threadKey: input.thread,
          parentId,
          authorId: author._id,
          body: text,
          status: 'pending',
          revision: 1,
          ipHash,
          createdAt: now,
          updatedAt: now,
        })
      ).toObject();
    } catch (err) {
      if (keyHash) await IdempotencyModel.deleteOne({ siteId: site.id, authorId: author._id, keyHash });
      await this.deps.moderation.forget(id, 1);
      throw err;
    }
    // An erasure of this profile that began while this request ran may have looked for
    // comments before this one was written: then the comment goes again, here. The event
    // is written alongside, in the same round trip's time.
    const [erasing] = await Promise.all([erasureBegun(site.id, author._id), recordEvents([commentCreated(doc)])]);
    if (erasing) {
      await removeComments(site.id, [id], { actor: { kind: 'system' }, reason: 'erasure' });
      throw erasureInProgress();
    }
    await this.deps.moderation.enqueue(String(id), 1);
    return { comment: toCommentView(doc, new Map([[String(author._id), author.name]]), author._id), replayed: false };
  }

  /**
   * Edits the author's own comment inside the edit window; it goes through moderation
   * again. Edits count against the site's write limits like new comments.
   */
  async edit(
    site: Site,
    identity: Identity,
    commentId: string,
    body: string,
    context: { ip: string },
  ): Promise<CommentView> {
    const [{ comment, author }, refusals] = await Promise.all([
      this.ownComment(site, identity, commentId),
      this.deps.refusals.view(site.id),
    ]);
    await this.deps.bans.assertNotBanned(site.id, identity.sub, refusals);
    await assertNotBeingErased(refusals, author._id);
    if (comment.status === 'removed' || comment.status === 'rejected') throw forbidden();
    const windowEnds = comment.createdAt.getTime() + site.config.editWindowMinutes * 60_000;
    if (Date.now() > windowEnds)
      throw new AppError('EDIT_WINDOW_CLOSED', { editWindowMinutes: site.config.editWindowMinutes });
    this.deps.threads.assertOpen(site, await this.deps.threads.findForWrite(refusals, comment.threadKey));
    const text = checkedText(body, site.config.maxLength);
    const names = new Map([[String(author._id), author.name]]);
    if (text === comment.body) return toCommentView(comment, names, author._id);
    await this.deps.rateLimit.consume(site, identity.sub, keyedHash(this.deps.ipHashSecret, context.ip));
    // An edit claims the version it was made on, like every change of a comment (see
    // comment-claims.ts): if anyone decided, removed or edited that version meanwhile,
    // the edit answers 409 and can be retried on the new version.
    let claim: LogEntryDoc;
    try {
      claim = await this.deps.log.append({
        siteId: site.id,
        actor: { kind: 'author', id: author._id, name: author.name },
        action: 'edited',
        commentId: comment._id,
        subjectId: author._id,
        threadKey: comment.threadKey,
        claimKey: commentClaimKey(comment._id, comment.version),
      });
    } catch (err) {
      if (err instanceof ClaimTaken) throw new AppError('CONFLICT');
      throw err;
    }
    let updated: CommentDoc | null = null;
    try {
      await checkpoint('comment.edit.claimed');
      const now = new Date();
      await this.deps.moderation.record(comment._id, comment.revision + 1);
      updated = await CommentModel.findOneAndUpdate(
        {
          _id: comment._id,
          siteId: site.id,
          version: comment.version,
          revision: comment.revision,
          status: { $ne: 'removed' },
        },
        {
          $set: { body: text, status: 'pending', held: false, rules: [], editedAt: now, updatedAt: now },
          $inc: { revision: 1, version: 1 },
        },
        { new: true, lean: true },
      );
      if (!updated) throw new AppError('CONFLICT');
    } finally {
      // An edit that did not land gives its claim back, so the comment is not left
      // stuck on a version nobody can decide, edit or remove.
      if (!updated) {
        await voidUnappliedClaim(comment, claim);
        await this.deps.moderation.forget(comment._id, comment.revision + 1);
      }
    }
    await this.deps.moderation.enqueue(String(updated._id), updated.revision);
    return toCommentView(updated, names, author._id);
  }

  /**
   * Deletes the author's own comment; moderators remove any on their site. A comment with
   * replies stays as a tombstone so the replies keep their place. A moderator's removal
   * keeps the comment for its author (comment-withholding.ts), who sees the decision and
   * may appeal it; the author's own delete takes it away for good, a comment a moderator
   * removed included. The removal claims the comment's current version first, so an edit
   * or a decision in flight lands before it or is refused, and it is in the moderation log.
   */
  async remove(site: Site, identity: Identity, commentId: string, given: { reasonId?: string } = {}): Promise<void> {
    const comment = await this.findOnSite(site.id, commentId);
    const author = await this.deps.commenters.find(site.id, identity.sub);
    const own = !!author && !!comment.authorId && author._id.equals(comment.authorId);
    if (!own && !isModerator(identity)) throw forbidden();
    // Done already: a tombstone, or (for a moderator) a comment removed and kept for its author.
    const done = (c: CommentDoc) => c.status === 'removed' && (!own || !c.authorId);
    if (done(comment)) return;
    // A moderator's removal rests on one of the site's reasons; an author's own needs none.
    const reasonId = own ? null : requireReason(site, given.reasonId).id;
    const moderator = own ? null : await moderatorActor(this.deps.commenters, identity);
    const actor: Actor = moderator ?? { kind: 'author', id: author!._id, name: author!.name };
    const reason = own ? 'removed_by_author' : 'removed_by_moderator';
    const claimed = await claimNextVersion(
      this.deps.log,
      comment._id,
      {
        siteId: site.id,
        actor,
        action: 'removed',
        subjectId: comment.authorId,
        threadKey: comment.threadKey,
        reason,
        reasonId,
      },
      'comment.remove.waiting',
      done,
    );
    if (!claimed) return;
    if (moderator && reasonId) {
      await withholdComment(site.id, claimed, claimed.version, { actor: moderator, reasonId });
      return;
    }
    await removeComments(site.id, [comment._id], {
      actor,
      reason,
      reasonId,
      claimed: new Map([[String(comment._id), claimed.version]]),
      log: this.deps.log,
    });
  }

  /**
   * The site a comment belongs to, for routes addressed by comment id alone (CORS and the
   * route itself both ask). A comment never changes site, so the answer is kept in a
   * bounded map; a deleted comment is still answered 404 by the lookup that follows.
   */
  async siteIdOf(commentId: string): Promise<string> {
    const known = this.siteOfComment.get(commentId);
    if (known) return known;
    const doc = await CommentModel.findById(commentId, { siteId: 1 }).lean();
    if (!doc) throw notFound('comment');
    if (this.siteOfComment.size >= 10_000) this.siteOfComment.clear();
    this.siteOfComment.set(commentId, doc.siteId);
    return doc.siteId;
  }

  private async findOnSite(siteId: string, commentId: string): Promise<CommentDoc> {
    const comment = await CommentModel.findOne({ _id: commentId, siteId }).lean();
    if (!comment) throw notFound('comment');
    return comment;
  }

  private async ownComment(
    site: Site,
    identity: Identity,
    commentId: string,
  ): Promise<{ comment: CommentDoc; author: CommenterDoc }> {
    const comment = await this.findOnSite(site.id, commentId);
    const author = await this.deps.commenters.find(site.id, identity.sub);
    if (!author || !comment.authorId || !author._id.equals(comment.authorId)) throw forbidden();
    return { comment, author };
  }

  /** The comment an idempotency key produced, waiting up to waitMs for a concurrent first request. */
  private async replay(siteId: string, author: CommenterDoc, keyHash: string, waitMs = 0): Promise<CommentView | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const record = await IdempotencyModel.findOne({ siteId, authorId: author._id, keyHash }).lean();
      if (!record) return null;
      const comment = await CommentModel.findOne({ _id: record.commentId, siteId }).lean();
      if (comment) return toCommentView(comment, new Map([[String(author._id), author.name]]), author._id);
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Replies are one level deep: a reply to a reply attaches to the top-level comment. */
  private async resolveParent(
    siteId: string,
    threadKey: string,
    parentId: string | null,
  ): Promise<Types.ObjectId | null> {
    if (!parentId) return null;
    const parent = await CommentModel.findOne({ _id: parentId, siteId, threadKey }, { parentId: 1, status: 1 }).lean();
    if (!parent || parent.status !== 'published') throw notFound('parent');
    return parent.parentId ?? parent._id;
  }
}

/**
 * What a reader may see: published comments, tombstones, and their own comments that
 * others do not see (pending, rejected, and removed by a moderator).
 */
function visibleTo(viewerId: Types.ObjectId | null): Record<string, unknown> {
  const visible: Record<string, unknown>[] = [{ status: { $in: ['published', 'removed'] }, withheld: { $ne: true } }];
  if (viewerId) for (const status of OWN_KEPT_STATUSES) visible.push({ status, authorId: viewerId });
  return { $or: visible };
}

/** Applies the shared length and validity rules, mapping them to the contract's codes. */
function checkedText(raw: string, limit: number): string {
  const check = checkCommentText(raw, limit);
  if (check.ok) return check.text;
  if (check.reason === 'empty') throw new AppError('COMMENT_EMPTY');
  if (check.reason === 'invalid') throw new AppError('COMMENT_INVALID');
  // Characters keep the contract's { limit, length }; the code point and byte bounds say
  // which unit they count in, so that a client does not take them for characters.
  const details = { limit: check.limit, length: check.length };
  throw new AppError('COMMENT_TOO_LONG', check.unit === 'graphemes' ? details : { ...details, unit: check.unit });
}
