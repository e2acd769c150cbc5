import { createHmac } from 'node:crypto';

/**
 * A keyed hash (HMAC-SHA256, base64url). Used for client IP addresses and for the keys of
 * rate-limit counters, so that neither MongoDB nor Redis ever holds them in clear.
 */
export function keyedHash(secret: string, value: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('base64url');
}
