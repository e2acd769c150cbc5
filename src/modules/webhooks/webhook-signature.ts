import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature a webhook delivery carries (`Kommentarer-Signature`), as api.md fixes it:
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, one `v1=` per secret
 * that signs at the moment (two while a secret is being rotated, so that a receiver
 * holding either one accepts the delivery). The timestamp is signed with the body, so a
 * receiver that refuses old timestamps also refuses a recorded delivery sent again later.
 */
export const SIGNATURE_HEADER = 'Kommentarer-Signature';

/** How old a signed timestamp a receiver should accept, by default (also what the README advises). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: 32 random bytes, shown to the admin once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for `body` sent at `at`, signed by every secret in `secrets` (newest first). */
export function signatureHeader(secrets: readonly string[], body: string, at: Date): string {
  if (secrets.length === 0) throw new Error('a delivery needs at least one signing secret');
  const timestamp = Math.floor(at.getTime() / 1000);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${hmacHex(secret, timestamp, body)}`)].join(',');
}

export type SignatureCheck =
  { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * What a receiver does with the header: parse it, refuse a timestamp further than
 * `toleranceSeconds` from `now` (either way: a clock far ahead is as suspect), and accept
 * when any `v1=` matches the HMAC under its secret, compared in constant time. The tests
 * use it as a receiver would; the README shows the same steps for other languages.
 */
export function verifySignature(
  header: string | undefined,
  secret: string,
  body: string,
  now: Date = new Date(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'malformed' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) return { ok: false, reason: 'malformed' };
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  return matches ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}
