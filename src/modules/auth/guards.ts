import type { Request } from 'express';
import { bearerToken } from '../../http/request-context';
import { AppError } from '../../shared/errors';
import type { Site } from '../sites/site.service';
import { Identity, isModerator, verifyCommenterToken } from './commenter-token';

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
