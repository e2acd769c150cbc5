import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../infra/logger';
import { AppError, ErrorCode, notFound } from '../shared/errors';
import { messageFor } from '../shared/messages';
import { languageOf, loggablePath } from './request-context';

/** Maps what body-parser throws to the contract's codes. */
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE');
    case 'entity.parse.failed':
      return new AppError('VALIDATION_FAILED', {
        issues: [{ path: '', problem: 'body is not valid JSON (an object or array)' }],
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE');
    default:
      if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
        return new AppError(err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED');
      }
      return undefined;
  }
}

/**
 * Whether an error means a backing service is unreachable or momentarily busy (answered
 * 503 with Retry-After, not 500): FerretDB on SQLite reports a busy database file as
 * "database is locked" under concurrent writes.
 */
function isUnavailable(err: { name?: string; message?: string }): boolean {
  return (
    /^Mongo(Server)?(Selection|Network|NotConnected|Timeout)/.test(err.name ?? '') ||
    err.name === 'MongooseServerSelectionError' ||
    (err.name === 'MongoServerError' && /database is locked|SQLITE_BUSY/.test(err.message ?? ''))
  );
}

/** The one error handler: every failure becomes the contract's error shape, in the reader's language. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let appError = err instanceof AppError ? err : fromBodyParser(err ?? {});
    if (!appError && isUnavailable(err ?? {})) appError = new AppError('UNAVAILABLE');
    const traceId = randomUUID();
    if (!appError) {
      // Error messages can quote stored values (a duplicate key names the value), so
      // only the error's name, code and stack frames are logged.
      const frames = typeof err?.stack === 'string' ? err.stack.split('\n').slice(1, 8).join('\n') : undefined;
      logger.error(
        { traceId, errName: err?.name, errCode: err?.code, frames, path: loggablePath(req.originalUrl) },
        'unhandled error',
      );
      appError = new AppError('INTERNAL', { traceId });
    } else if (appError.status >= 500) {
      logger.warn({ traceId, code: appError.code, path: loggablePath(req.originalUrl) }, 'backing service unavailable');
    }
    if (res.headersSent) return;
    // An error is never kept by a cache, not even one of a public read.
    res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
    if (appError.code === 'UNAVAILABLE') res.setHeader('Retry-After', '5');
    res
      .status(appError.status)
      .json(errorBody(appError.code, messageFor(appError.code, languageOf(req)), appError.details));
  };
}

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

/** Unknown routes answer 404 NOT_FOUND in the contract's shape. */
export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound('route'));
