import pino, { DestinationStream, Logger } from 'pino';

/**
 * Paths that may hold personal data or secrets. Censored even if some code passes them
 * by mistake: the service's logs must never carry comment text, names, emails, tokens or IPs.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'req.remoteAddress',
  'req.remotePort',
  'res.headers["set-cookie"]',
  '*.body',
  '*.text',
  '*.name',
  '*.email',
  '*.token',
  '*.ip',
  '*.sub',
  'body',
  'text',
  'name',
  'email',
  'token',
  'ip',
  'sub',
];

/** Creates the process logger (JSON lines on stdout). */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { ...base },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
