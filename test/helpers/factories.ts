import { randomUUID } from 'node:crypto';
import { CommentDoc, CommentModel } from '../../src/modules/comments/comment.model';
import { CommenterClaims, eventually, Harness, TestSite } from './harness';

/**
 * Factories for what most tests need before the thing they test: commenters, comments and
 * threads, made through the API as a host and its readers would make them. Beside
 * createSite in harness.ts.
 */

/** A commenter of one site, with their own claims and tokens. */
export interface Commenter {
  sub: string;
  name: string;
  claims: CommenterClaims;
  token(): Promise<string>;
  bearer(): Promise<{ Authorization: string }>;
}

/**
 * A commenter no other test shares: a fresh sub and name unless given. Nothing is stored
 * until they write (their profile comes with their first comment).
 */
export function createCommenter(site: TestSite, claims: Partial<CommenterClaims> = {}): Commenter {
  const tag = randomUUID().slice(0, 8);
  const full: CommenterClaims = { sub: `commenter-${tag}`, name: `Kim Kommentar ${tag}`, ...claims };
  return {
    sub: full.sub,
    name: full.name,
    claims: full,
    token: () => site.token({ ...full }),
    bearer: () => site.bearer({ ...full }),
  };
}

export interface CommentOptions {
  body?: string;
  thread?: string;
  parentId?: string;
  threadTitle?: string;
  threadUrl?: string;
  /** Who writes: a commenter, or claims over the site's default commenter (Anna Andersson). */
  by?: Commenter | Record<string, unknown>;
  headers?: Record<string, string>;
  /** Wait until the worker has decided the comment (published, held or rejected), or until it is published. */
  until?: 'decided' | 'published';
  timeoutMs?: number;
}

/** A comment as POST answered it. */
export interface CreatedComment {
  id: string;
  /** The `comment` of the 201 answer. */
  view: Record<string, unknown>;
}

/** A comment the worker has settled, with its stored document as of then. */
export interface SettledComment extends CreatedComment {
  stored: CommentDoc;
}

/**
 * Posts a comment through the API (201 or it throws), and with `until` waits for the
 * moderation worker, which the harness must have started.
 */
export async function createComment(
  h: Harness,
  site: TestSite,
  options: CommentOptions & { until: 'decided' | 'published' },
): Promise<SettledComment>;
export async function createComment(h: Harness, site: TestSite, options?: CommentOptions): Promise<CreatedComment>;
export async function createComment(
  h: Harness,
  site: TestSite,
  options: CommentOptions = {},
): Promise<CreatedComment | SettledComment> {
  const {
    body = 'En kommentar',
    thread = 't',
    parentId,
    threadTitle,
    threadUrl,
    by = {},
    headers = {},
    until,
    timeoutMs,
  } = options;
  const claims =
    'claims' in by && typeof by.claims === 'object' ? (by as Commenter).claims : (by as Record<string, unknown>);
  const send: Record<string, unknown> = { thread, body };
  if (parentId !== undefined) send.parentId = parentId;
  if (threadTitle !== undefined) send.threadTitle = threadTitle;
  if (threadUrl !== undefined) send.threadUrl = threadUrl;
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer({ ...claims }))
    .set(headers)
    .send(send);
  if (res.status !== 201) throw new Error(`comment not created: ${res.status} ${JSON.stringify(res.body)}`);
  const created: CreatedComment = { id: res.body.comment.id, view: res.body.comment };
  if (!until) return created;
  const stored = await eventually(async () => {
    const c = await CommentModel.findById(created.id).lean<CommentDoc>();
    if (!c) return undefined;
    return (until === 'published' ? c.status === 'published' : c.decidedAt !== null) ? c : undefined;
  }, timeoutMs);
  return { ...created, stored };
}

export interface ThreadOptions {
  key?: string;
  title?: string;
  url?: string;
  /** Who writes the first comment. */
  by?: Commenter | Record<string, unknown>;
}

export interface CreatedThread {
  key: string;
  firstComment: CreatedComment;
}

/**
 * A thread that exists: a thread is stored with its first comment, which carries its
 * title and address as the widget sends them. A fresh key unless given.
 */
export async function createThread(h: Harness, site: TestSite, options: ThreadOptions = {}): Promise<CreatedThread> {
  const { key = `/artikel/${randomUUID().slice(0, 8)}`, title, url, by } = options;
  const firstComment = await createComment(h, site, {
    thread: key,
    threadTitle: title,
    threadUrl: url,
    by,
    body: 'Första kommentaren',
  });
  return { key, firstComment };
}
