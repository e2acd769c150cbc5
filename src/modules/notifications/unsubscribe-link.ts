import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * One-click unsubscribe links (RFC 8058): the link names a subscription by its id and
 * carries an HMAC of that id, so that following it (or a mail client's POST to it) ends
 * the subscription without a login, and nobody can end someone else's by guessing ids.
 * The link holds no e-mail address: mail links end up in logs and browser histories.
 */
const PURPOSE = 'kommentarer unsubscribe v1';

function mac(secret: string, subscriptionId: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}\n${subscriptionId}`).digest();
}

/** The token for a subscription's unsubscribe link: `<id>.<base64url HMAC>`. */
export function unsubscribeToken(secret: string, subscriptionId: string): string {
  return `${subscriptionId}.${mac(secret, subscriptionId).toString('base64url')}`;
}

/** The subscription id a token was made for, or undefined when the token is not one of ours. */
export function subscriptionOfToken(secret: string, token: string): string | undefined {
  const match = /^([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const [, id, given] = match as unknown as [string, string, string];
  const expected = mac(secret, id);
  const actual = Buffer.from(given, 'base64url');
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : undefined;
}

/** The headers that let a mail client offer unsubscribing in one click (RFC 2369 and RFC 8058). */
export function listUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
