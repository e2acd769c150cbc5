import { DEFAULT_REASONS } from '../src/modules/reasons/default-reasons';
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { verifyCommenterToken } from '../src/modules/auth/commenter-token';
import { mintCommenterToken } from '../src/modules/auth/mint-commenter-token';
import type { Site } from '../src/modules/sites/site.service';
import { siteConfigSchema } from '../src/modules/sites/site.schemas';

const SECRET = 'mint-test-secret-0123456789abcdef';

/** A site as the verifier gets it from the site service; a fresh id so its key cache starts empty. */
function site(auth: Record<string, unknown> = {}): Site {
  return {
    id: `mint-${randomUUID().slice(0, 8)}`,
    config: siteConfigSchema.parse({ name: 'Bloggen', origins: [], auth: { hs256Secret: SECRET, ...auth } }),
    reasons: DEFAULT_REASONS,
    updatedAt: new Date(),
  };
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('minting commenter tokens', () => {
  it('when a token is minted for a site, then the site accepts it as that commenter', async () => {
    const s = site();
    const token = await mintCommenterToken({
      siteId: s.id,
      secret: SECRET,
      sub: 'anna',
      name: 'Anna Andersson',
      expiresIn: 600,
    });
    expect(await verifyCommenterToken(s, token)).toEqual({
      siteId: s.id,
      sub: 'anna',
      name: 'Anna Andersson',
      email: null,
      roles: [],
    });
  });

  it('when email and roles are given, then the site reads them from the token', async () => {
    const s = site();
    const token = await mintCommenterToken({
      siteId: s.id,
      secret: SECRET,
      sub: 'mod',
      name: 'Maja',
      email: 'maja@example.se',
      roles: ['moderator'],
      expiresIn: 60,
    });
    expect(await verifyCommenterToken(s, token)).toMatchObject({ email: 'maja@example.se', roles: ['moderator'] });
  });

  it("when a token is minted, then it is HS256 and holds only the commenter's claims, aud, iat and exp", async () => {
    const token = await mintCommenterToken({
      siteId: 'demo',
      secret: SECRET,
      sub: 'anna',
      name: 'Anna',
      expiresIn: 8 * 3600,
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256' });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'name', 'sub']);
    expect(claims).toMatchObject({ aud: 'demo', sub: 'anna', name: 'Anna' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(8 * 3600);
  });

  it('when expiresIn is given, then the token expires that many seconds after it is issued; a negative one gives a token the site refuses as expired', async () => {
    const s = site();
    const valid = decodeJwt(
      await mintCommenterToken({ siteId: s.id, secret: SECRET, sub: 'a', name: 'A', expiresIn: 3600 }),
    );
    expect((valid.exp as number) - (valid.iat as number)).toBe(3600);
    const expired = await mintCommenterToken({ siteId: s.id, secret: SECRET, sub: 'a', name: 'A', expiresIn: -120 });
    expect(await refusal(verifyCommenterToken(s, expired))).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('when a site configures an issuer, then a token minted with it is accepted and one without it is refused', async () => {
    const s = site({ issuer: 'https://www.example.se' });
    const withIssuer = await mintCommenterToken({
      siteId: s.id,
      secret: SECRET,
      sub: 'a',
      name: 'A',
      issuer: 'https://www.example.se',
      expiresIn: 60,
    });
    expect((await verifyCommenterToken(s, withIssuer)).sub).toBe('a');
    const without = await mintCommenterToken({ siteId: s.id, secret: SECRET, sub: 'a', name: 'A', expiresIn: 60 });
    expect(await refusal(verifyCommenterToken(s, without))).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('when a token is minted for one site or with another secret, then a second site refuses it', async () => {
    const a = site();
    const b = site();
    const forA = await mintCommenterToken({ siteId: a.id, secret: SECRET, sub: 'a', name: 'A', expiresIn: 60 });
    expect(await refusal(verifyCommenterToken(b, forA))).toMatchObject({ code: 'INVALID_TOKEN' });
    const forged = await mintCommenterToken({
      siteId: b.id,
      secret: 'another-secret-0123456789abcdefgh',
      sub: 'a',
      name: 'A',
      expiresIn: 60,
    });
    expect(await refusal(verifyCommenterToken(b, forged))).toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
