/**
 * The one HTTP client of the browser code (the widget, count.js, /moderate and the demo):
 * JSON in and out, the reader's language, a bearer token when there is one, and the API's
 * error answer { error: { code, message, details } } turned into an ApiError.
 */

/** An error answer of the API, or a request that got no answer (status 0, code NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The error of a request that got no answer: offline, blocked, or refused by CORS. */
export function networkError(message: string): ApiError {
  return new ApiError(0, 'NETWORK', message);
}

/** The API's base URL for a script tag: its data-api, else the origin it was loaded from. */
export function apiBase(script: HTMLScriptElement): string {
  return (script.dataset.api ?? new URL(script.src, location.href).origin).replace(/\/$/, '');
}

/** Where the bearer token comes from; refresh(), when given, asks for a new one (null: none). */
export interface Session {
  token(): Promise<string | null>;
  refresh?(): Promise<string | null>;
}

/** A session without a token, for the calls anyone may make. */
export const ANONYMOUS: Session = { token: async () => null };

export interface ClientOptions {
  /** Put before every path; '' for the page's own origin. */
  base: string;
  /** Sent as Accept-Language: the API words its messages in it. */
  lang: () => string;
  session: Session;
  /** The message of a network failure, and of an error answer that has none. */
  networkMessage: () => string;
  /** 'omit' on host pages: the API never needs the reader's cookies there. */
  credentials?: RequestCredentials;
}

export type Call = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

/**
 * A fetch wrapper answering the parsed JSON (undefined for 204). When the session can
 * refresh, a 401 INVALID_TOKEN asks it for a fresh token once and retries.
 */
export function apiClient(o: ClientOptions): Call {
  return async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { 'Accept-Language': o.lang(), ...extra };
      const token = await o.session.token();
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(o.base + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: o.credentials,
        });
      } catch {
        throw networkError(o.networkMessage());
      }
      if (res.status === 204) return undefined as T;
      const data = await res.json().catch(() => null);
      if (res.ok) return data as T;
      const error = (data && data.error) || {};
      if (res.status === 401 && error.code === 'INVALID_TOKEN' && token && attempt === 0 && o.session.refresh) {
        const fresh = await o.session.refresh();
        if (fresh && fresh !== token) continue;
      }
      throw new ApiError(
        res.status,
        error.code || `HTTP_${res.status}`,
        error.message || o.networkMessage(),
        error.details || {},
      );
    }
  };
}
