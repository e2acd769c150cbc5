import type { RequestHandler } from 'express';

/** The public reads: the same for every reader without a login, so caches may keep them. */
const PUBLIC_READS = [
  /^\/sites\/[^/]+\/thread$/,
  /^\/sites\/[^/]+\/counts$/,
  /^\/sites\/[^/]+\/comments$/,
  /^\/sites\/[^/]+\/comments\/[^/]+\/replies$/,
];

export interface PublicCaching {
  maxAgeS: number;
  staleS: number;
}

/**
 * Cache-Control for the API (mounted on /api/v1). An anonymous public read may be kept by
 * a browser or a shared cache for `maxAgeS` and served stale for `staleS` more while it is
 * revalidated (express's ETag answers that with 304 when nothing changed); it varies by
 * Authorization, so a shared cache never hands it to a reader with a login. Everything
 * else, a read with a token included, is `private, no-store`: it may be personal.
 */
export function apiCacheControl({ maxAgeS, staleS }: PublicCaching): RequestHandler {
  const publicValue =
    maxAgeS === 0 && staleS === 0 ? 'no-cache' : `public, max-age=${maxAgeS}, stale-while-revalidate=${staleS}`;
  return (req, res, next) => {
    const anonymousRead = (req.method === 'GET' || req.method === 'HEAD') && !req.headers.authorization;
    if (anonymousRead && PUBLIC_READS.some((pattern) => pattern.test(req.path))) {
      res.setHeader('Cache-Control', publicValue);
      res.vary('Authorization');
    } else {
      res.setHeader('Cache-Control', 'private, no-store');
    }
    next();
  };
}
