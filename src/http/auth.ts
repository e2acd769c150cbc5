import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { Identity, isModerator, verifyCommenterToken } from '../modules/auth/commenter-token';
import type { Site } from '../modules/sites/site.service';
import { AppError } from './errors';
import { bearerToken } from './request-context';

/**
 * Whether a bearer equals a configured key, in constant time (both are hashed first, so
 * neither their contents nor their lengths show in the time taken).
 */
export function sameKey(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Guards a route with a configured key as the bearer: ADMIN_API_KEY, METRICS_TOKEN. */
export function requireBearerKey(key: string): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req);
    if (!token) return next(new AppError('LOGIN_REQUIRED'));
    if (!sameKey(token, key)) return next(new AppError('INVALID_TOKEN'));
    next();
  };
}

/** Guards /api/v1/admin/*: the bearer must equal ADMIN_API_KEY. */
export function requireAdminKey(adminKey: string): RequestHandler {
  return requireBearerKey(adminKey);
}

/** The commenter behind a write: 401 LOGIN_REQUIRED without a token, INVALID_TOKEN with a bad one. */
export async function requireIdentity(site: Site, req: Request): Promise<Identity> {
  const token = bearerToken(req);
  if (!token) throw new AppError('LOGIN_REQUIRED');
  return verifyCommenterToken(site, token);
}

/**
 * The commenter behind a read, if any. Reading needs no login, so an expired or bad token
 * reads as anonymous rather than failing the page.
 */
export async function optionalIdentity(site: Site, req: Request): Promise<Identity | null> {
  const token = bearerToken(req);
  if (!token) return null;
  try {
    return await verifyCommenterToken(site, token);
  } catch (err) {
    if (err instanceof AppError) return null;
    throw err;
  }
}

/** A moderator or admin of this site (roles in the site's own JWT), or 403 FORBIDDEN. */
export async function requireModerator(site: Site, req: Request): Promise<Identity> {
  const identity = await requireIdentity(site, req);
  if (!isModerator(identity)) throw new AppError('FORBIDDEN');
  return identity;
}
