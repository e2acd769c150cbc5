import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors';
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
