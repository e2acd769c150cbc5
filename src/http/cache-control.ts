import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface PublicCaching {
  maxAgeS: number;
  staleS: number;
}

/** Where apiCacheControl leaves the header value that `publicRead` routes use. */
const PUBLIC_VALUE = 'publicCacheControl';

/**
 * Cache-Control for the API (mounted on /api/v1): everything is `private, no-store` (it
 * may be personal), unless its route is marked `publicRead` and the request has no token.
 */
export function apiCacheControl({ maxAgeS, staleS }: PublicCaching): RequestHandler {
  const publicValue =
    maxAgeS === 0 && staleS === 0 ? 'no-cache' : `public, max-age=${maxAgeS}, stale-while-revalidate=${staleS}`;
  return (_req, res, next) => {
    res.setHeader('Cache-Control', 'private, no-store');
    res.locals[PUBLIC_VALUE] = publicValue;
    next();
  };
}

/**
 * Marks a read that is the same for every reader without a login: without a token, a
 * browser or a shared cache may keep it for `maxAgeS` and serve it stale for `staleS`
 * more while it revalidates (express's ETag answers that with 304 when nothing changed).
 * It varies by Authorization, so a shared cache never hands it to a reader with a login.
 */
export function publicRead<P>(req: Request<P>, res: Response, next: NextFunction): void {
  const value = res.locals[PUBLIC_VALUE] as string | undefined;
  if (value && !req.headers.authorization) {
    res.setHeader('Cache-Control', value);
    res.vary('Authorization');
  }
  next();
}
