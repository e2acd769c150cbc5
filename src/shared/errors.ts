/** Stable error codes of the HTTP contract (docs/api.md) and their statuses. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  LOGIN_REQUIRED: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  BANNED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  THREAD_CLOSED: 409,
  ALREADY_DECIDED: 409,
  EDIT_WINDOW_CLOSED: 409,
  CONFLICT: 409,
  SAME_MODERATOR: 409,
  NOT_APPEALABLE: 409,
  APPEAL_TOO_LATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  COMMENT_EMPTY: 422,
  COMMENT_TOO_LONG: 422,
  COMMENT_INVALID: 422,
  REASON_REQUIRED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error family: a stable code, an HTTP status, and details safe to show. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly details: Record<string, unknown> = {},
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', { what });
export const forbidden = () => new AppError('FORBIDDEN');
