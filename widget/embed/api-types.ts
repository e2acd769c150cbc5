/** The comment API's answers as the widget reads them (the client is ../shared/api-client). */

export interface Author {
  name: string;
}
export interface Comment {
  id: string;
  thread: string;
  parentId: string | null;
  author: Author | null;
  body: string;
  status: 'pending' | 'published' | 'rejected' | 'removed';
  createdAt: string;
  editedAt: string | null;
  mine: boolean;
  /** On the reader's own rejected or removed comment: the statement of the decision. */
  decision?: Decision;
  /** On the reader's own comment an appeal published again: that appeal. */
  appeal?: Appeal;
  replies?: Comment[];
  /** Where a top-level comment's further replies start; null when all are here. */
  repliesCursor?: string | null;
}
/** An appeal of a decision, as the decision's statement carries it. */
export interface Appeal {
  id: string;
  status: 'open' | 'decided';
  outcome?: 'upheld' | 'reversed' | null;
  reasonId?: string | null;
  decidedAt?: string | null;
}
/** A decision on the reader's own comment; appealUntil null: no longer appealable. */
export interface Decision {
  reasonId: string | null;
  by: 'system' | 'moderator';
  at: string | null;
  appealUntil?: string | null;
  appeal?: Appeal | null;
}
/** The reader's ban on the site (GET …/me/ban). */
export interface Ban {
  reasonId: string | null;
  until: string | null;
  at: string;
  appealUntil?: string | null;
  appeal?: Appeal | null;
}
/** One of the site's reasons, as GET …/reasons answers it. */
export interface Reason {
  id: string;
  kind: 'illegal' | 'terms';
  label: { sv: string; en: string };
  ground: { text: string; url?: string };
}
export interface ReplyPage {
  replies: Comment[];
  nextCursor: string | null;
}
export interface Notice {
  title: string;
  text: string;
  url: string | null;
}
export interface ThreadInfo {
  thread: {
    key: string;
    status: 'open' | 'closed';
    closedReason: string | null;
    commentCount: number;
    maxLength: number;
  };
  site: {
    locale: 'sv' | 'en';
    loginUrl: string | null;
    privacyNotice: Record<'sv' | 'en', Notice>;
    editWindowMinutes?: number;
  };
  comments: Comment[];
  nextCursor: string | null;
}
