import express, { RequestHandler } from 'express';
import { AppError } from '../shared/errors';

/** Methods whose requests may carry a body. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Refuses bodies that are not JSON with 415, before anything tries to parse them. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!WITH_BODY.has(req.method)) return next();
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) return next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
  // JSON on the wire is UTF-8 (RFC 8259); other charsets are refused rather than decoded.
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (hasBody && charset && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
    return next(new AppError('UNSUPPORTED_MEDIA_TYPE'));
  }
  next();
};

/** Parses JSON bodies up to limit; strict (objects and arrays only). */
export const jsonBody = (limit: string): RequestHandler =>
  express.json({ limit, strict: true, type: 'application/json' });
