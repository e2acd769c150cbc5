import type { CommenterDoc } from '../commenters/commenter.model';
import type { CommentDoc } from '../comments/comment.model';
import type { ReportDoc } from '../reports/report.model';
import { isOnOrigins } from '../../shared/site-origins';
import type { ThreadDoc } from '../threads/thread.model';

/** A comment in a review queue, with what a moderator needs to decide on it. */
export interface ReviewItem {
  comment: {
    id: string;
    thread: string;
    parentId: string | null;
    body: string;
    status: CommentDoc['status'];
    createdAt: string;
    editedAt: string | null;
    revision: number;
  };
  thread: { key: string; title: string | null; url: string | null; status: 'open' | 'closed' };
  author: { id: string; sub: string; name: string; history: AuthorHistory } | null;
  rules: CommentDoc['rules'];
  reports: Array<{ reason: string; note: string | null; createdAt: string; resolved: boolean }>;
  version: number;
}

/** How many of an author's comments on the site are in each status. */
export interface AuthorHistory {
  published: number;
  rejected: number;
  pending: number;
}

/** What is looked up around a comment to show it for review. */
export interface ReviewContext {
  author: Pick<CommenterDoc, '_id' | 'sub' | 'name'> | undefined;
  history: AuthorHistory;
  thread: ThreadDoc | undefined;
  reports: ReportDoc[];
  /** The site's origins: only a thread address on them is passed on as the article's link. */
  origins: readonly string[];
}

/** Shapes one comment and its context into a review item. */
export function toReviewItem(c: CommentDoc, context: ReviewContext): ReviewItem {
  const { author, history, thread, reports, origins } = context;
  return {
    comment: {
      id: String(c._id),
      thread: c.threadKey,
      parentId: c.parentId ? String(c.parentId) : null,
      body: c.body,
      status: c.status,
      createdAt: c.createdAt.toISOString(),
      editedAt: c.editedAt?.toISOString() ?? null,
      revision: c.revision,
    },
    // An address stored before addresses were checked, or left behind when the site's
    // origins changed, is not passed on as the article's link.
    thread: {
      key: c.threadKey,
      title: thread?.title ?? null,
      url: thread?.url && isOnOrigins(thread.url, origins) ? thread.url : null,
      status: thread?.status ?? 'open',
    },
    author: author ? { id: String(author._id), sub: author.sub, name: author.name, history } : null,
    rules: c.rules.map((r) => ({ rule: r.rule, action: r.action, detail: r.detail })),
    reports: reports.map((r) => ({
      reason: r.reason,
      note: r.note,
      createdAt: r.createdAt.toISOString(),
      resolved: r.resolved,
    })),
    version: c.version,
  };
}
