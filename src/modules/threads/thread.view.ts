import type { Site } from '../sites/site.service';
import type { ThreadDoc } from './thread.model';
import type { ClosedReason } from './thread.service';

/** A thread as readers (and the widget) see it; an unknown key is an open, empty thread. */
export interface ThreadState {
  key: string;
  status: 'open' | 'closed';
  closedReason: ClosedReason | null;
  commentCount: number;
  maxLength: number;
  title: string | null;
  url: string | null;
}

/** One thread of an article list's counts request. */
export interface ThreadCount {
  key: string;
  status: 'open' | 'closed';
  commentCount: number;
}

/** `closed` is the public reason the thread is closed, undefined while it is open. */
export function toThreadState(
  site: Site,
  key: string,
  thread: ThreadDoc | null,
  commentCount: number,
  closed: ClosedReason | undefined,
): ThreadState {
  return {
    key,
    status: closed === undefined ? 'open' : 'closed',
    closedReason: closed ?? null,
    commentCount,
    maxLength: site.config.maxLength,
    title: thread?.title ?? null,
    url: thread?.url ?? null,
  };
}

export function toThreadCount(key: string, commentCount: number, closed: ClosedReason | undefined): ThreadCount {
  return { key, status: closed === undefined ? 'open' : 'closed', commentCount };
}
