import type { Request } from 'express';
import type { Language } from '../shared/messages';

/** The language for messages: Swedish unless the request prefers English. */
export function languageOf(req: Request): Language {
  const best = req.acceptsLanguages('sv', 'en');
  return best === 'en' ? 'en' : 'sv';
}

/** The bearer token of a request, or null when there is none. */
export function bearerToken(req: { headers: { authorization?: string } }): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/**
 * A request path fit for logs: no query string (it may hold receipt tokens) and no host
 * user id (the ban endpoints carry one in the path).
 */
export function loggablePath(url: string): string {
  return (url.split('?')[0] as string).replace(/\/users\/[^/]+/, '/users/:sub');
}

/** The client's address as express sees it (honours TRUST_PROXY). Only ever stored hashed. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
