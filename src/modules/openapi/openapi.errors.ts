import '../../shared/zod-openapi';
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_STATUS, ErrorCode } from '../../shared/errors';

/** What each error status means across the API; the codes under it come from ERROR_STATUS. */
const WHEN: Record<number, string> = {
  400: 'Malformed or unknown fields, wrong types, a value outside the documented constraints',
  401: 'No token where one is needed, or a token that is invalid or expired',
  403: 'Not allowed for this caller (not the author, not a moderator of the site) or banned',
  404: 'Unknown site, comment, thread item, subject or request',
  405: 'The path exists but not with this method; Allow names the methods it has',
  409: 'Conflicts with the current state (closed thread, stale version, edit window over, a repeat)',
  413: 'The request body is larger than the limit (16 kB; 256 kB on /api/v1/admin)',
  415: 'A request body that is not JSON in UTF-8',
  422: 'Comment text that is empty, too long for the site or not valid text',
  429: 'Too many writes; Retry-After says when to try again',
  500: 'An unexpected failure; details.traceId finds it in the logs',
  503: 'A backing service (MongoDB, Redis) or a built file is unavailable; Retry-After says when to try again',
};

const retryAfter = z.string().regex(/^\d+$/).openapi({ description: 'Seconds to wait before trying again' });

/** The error shape of the contract, with `code` limited to the codes of one status. */
function errorSchema(status: number): z.ZodTypeAny {
  const codes = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
  if (codes.length === 0) throw new Error(`no error code has status ${status}`);
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string().openapi({
        description: 'For people, in the language of Accept-Language (Swedish unless English is preferred)',
      }),
      details: z.record(z.unknown()),
    }),
  });
}

/**
 * The error responses of an operation. Every operation may fail unexpectedly (500) or
 * meet Node.js's header limit (431); the caller lists the rest, so that a status the operation cannot answer is not documented.
 */
export function errorResponses(...statuses: number[]): Record<number, ResponseConfig> {
  // Node.js itself refuses a request line and headers over 16 kB, before any of our code.
  const responses: Record<number, ResponseConfig> = {
    431: { description: 'The request line and headers are over 16 kB (answered by Node.js, without a body)' },
  };
  for (const status of [...new Set([...statuses, 500])].sort()) {
    const codes = (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
    responses[status] = {
      description: `${WHEN[status] ?? 'Error'} (${codes.join(', ')})`,
      ...(status === 429 || status === 503 ? { headers: z.object({ 'Retry-After': retryAfter }) } : {}),
      content: { 'application/json': { schema: errorSchema(status) } },
    };
  }
  return responses;
}

/** Statuses every request with a body can get from body parsing alone. */
export const BODY_ERRORS = [400, 413, 415] as const;
