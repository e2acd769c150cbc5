/** The comment API as the widget uses it: JSON, the reader's language, the host's JWT. */

export interface Author { name: string }
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
  replies?: Comment[];
  /** Where a top-level comment's further replies start; null when all are here. */
  repliesCursor?: string | null;
}
export interface ReplyPage { replies: Comment[]; nextCursor: string | null }
export interface Notice { title: string; text: string; url: string | null }
export interface ThreadInfo {
  thread: { key: string; status: 'open' | 'closed'; closedReason: string | null; commentCount: number; maxLength: number };
  site: { locale: 'sv' | 'en'; loginUrl: string | null; privacyNotice: Record<'sv' | 'en', Notice>; editWindowMinutes?: number };
  comments: Comment[];
  nextCursor: string | null;
}

/** An error answer of the API ({ error: { code, message, details } }), or a network failure (code NETWORK). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Where the JWT comes from; refresh() asks the host for a new one (null: logged out). */
export interface Session {
  token(): Promise<string | null>;
  refresh(): Promise<string | null>;
}

export type Call = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

/** A fetch wrapper: on 401 INVALID_TOKEN it asks the host for a fresh token once and retries. */
export function client(base: string, lang: () => string, session: Session, networkMessage: () => string): Call {
  return async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'Accept-Language': lang(), ...extra };
      const token = await session.token();
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
      } catch {
        throw new ApiError(0, 'NETWORK', networkMessage());
      }
      if (res.status === 204) return undefined as T;
      const data = await res.json().catch(() => null);
      if (res.ok) return data as T;
      const error = (data && data.error) || {};
      if (res.status === 401 && error.code === 'INVALID_TOKEN' && token && attempt === 0) {
        const fresh = await session.refresh();
        if (fresh && fresh !== token) continue;
      }
      throw new ApiError(res.status, error.code || `HTTP_${res.status}`, error.message || networkMessage(), error.details || {});
    }
  };
}

/** The claims of a JWT, read without verifying (the server verifies); null when unreadable. */
export function claimsOf(token: string): { name?: string; sub?: string; exp?: number } | null {
  try {
    const part = (token.split('.')[1] || '').replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part + '==='.slice((part.length + 3) % 4)), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
