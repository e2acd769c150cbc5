import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureHeader, verifySignature } from '../src/modules/webhooks/webhook-signature';

describe('webhook signatures', () => {
  const body = JSON.stringify({ id: 'evt_1', type: 'comment.published', data: { commentId: 'c1' } });
  const at = new Date('2026-12-02T10:00:00Z');
  const unix = Math.floor(at.getTime() / 1000);

  it('when a delivery is signed, then the header is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>', () => {
    const secret = newWebhookSecret();
    const expected = createHmac('sha256', secret).update(`${unix}.${body}`).digest('hex');
    expect(signatureHeader([secret], body, at)).toBe(`t=${unix},v1=${expected}`);
    expect(verifySignature(signatureHeader([secret], body, at), secret, body, at)).toEqual({
      ok: true,
      timestamp: unix,
    });
  });

  it('when a secret is being rotated, then both sign and a receiver holding either one accepts', () => {
    const [newer, older] = [newWebhookSecret(), newWebhookSecret()];
    const header = signatureHeader([newer, older], body, at);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature(header, newer, body, at).ok).toBe(true);
    expect(verifySignature(header, older, body, at).ok).toBe(true);
    expect(verifySignature(header, newWebhookSecret(), body, at)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('when the timestamp is older (or further ahead) than the tolerance, then the delivery is refused as stale', () => {
    const secret = newWebhookSecret();
    const header = signatureHeader([secret], body, at);
    expect(verifySignature(header, secret, body, new Date(at.getTime() + 299_000)).ok).toBe(true);
    expect(verifySignature(header, secret, body, new Date(at.getTime() + 301_000))).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verifySignature(header, secret, body, new Date(at.getTime() - 301_000))).toEqual({
      ok: false,
      reason: 'stale',
    });
  });

  it('when the body, the timestamp or the signature was changed, then it does not verify', () => {
    const secret = newWebhookSecret();
    const header = signatureHeader([secret], body, at);
    expect(verifySignature(header, secret, body.replace('c1', 'c2'), at).ok).toBe(false);
    const shifted = header.replace(`t=${unix}`, `t=${unix + 1}`);
    expect(verifySignature(shifted, secret, body, at)).toEqual({ ok: false, reason: 'mismatch' });
    for (const bad of [undefined, '', 'v1=abc', `t=${unix}`, `t=x,v1=${'0'.repeat(64)}`, `t=${unix},v1=a=b`])
      expect(verifySignature(bad, secret, body, at)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('when secrets are made, then each is new, long and URL-safe', () => {
    const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(() => signatureHeader([], body, at)).toThrow();
  });
});
