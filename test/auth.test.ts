import { randomUUID } from 'node:crypto';
import { exportSPKI, generateKeyPair } from 'jose';
import { ADMIN_KEY, createSite, TestSite, useHarness } from './helpers/harness';
import { AsymmetricAlg, bearer, claimsFor, keyPair, nowSeconds, signJwt, unsecuredJwt } from './helpers/tokens';

const h = useHarness();

const commentBody = (thread = '/artikel/1') => ({ thread, body: 'Bra skrivet!' });

/** POSTs a valid comment with the given Authorization header value (or none). */
async function postWith(siteId: string, authorization?: string) {
  const req = h.http.post(`/api/v1/sites/${siteId}/comments`);
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req.send(commentBody());
}

const postWithToken = (siteId: string, token: string) => postWith(siteId, `Bearer ${token}`);

function expectError(res: { status: number; body: { error?: { code?: string } } }, status: number, code: string) {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
}

/** A site whose commenters sign with a key pair of the given algorithm. */
async function asymmetricSite(alg: AsymmetricAlg, extraAuth: Record<string, unknown> = {}) {
  const keys = await keyPair(alg);
  const site = await createSite(h, { auth: { publicKeyPem: keys.publicKeyPem, alg, ...extraAuth } });
  return { site, keys };
}

describe('HS256 commenter tokens', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await createSite(h);
  });

  it('when a token is signed with the site secret, then the comment is accepted with the token name as author', async () => {
    const res = await postWithToken(site.id, await signJwt(claimsFor(site.id), site.secret));
    expect(res.status).toBe(201);
    expect(res.body.comment).toMatchObject({ body: 'Bra skrivet!', author: { name: 'Anna Andersson' }, mine: true });
  });

  it('when a token is signed with another secret, then 401 INVALID_TOKEN and nothing is stored', async () => {
    const thread = `/forged/${randomUUID()}`;
    const forged = await signJwt(claimsFor(site.id), 'x'.repeat(64));
    const res = await h.http.post(`/api/v1/sites/${site.id}/comments`).set(bearer(forged)).send(commentBody(thread));
    expectError(res, 401, 'INVALID_TOKEN');
    const own = await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread })
      .set(await site.bearer());
    expect(own.body.comments).toEqual([]);
  });

  it('when the payload of a valid token is altered, then 401 INVALID_TOKEN', async () => {
    const [header, , signature] = (await signJwt(claimsFor(site.id), site.secret)).split('.');
    const payload = Buffer.from(JSON.stringify(claimsFor(site.id, { sub: 'someone-else', roles: ['admin'] }))).toString(
      'base64url',
    );
    expectError(await postWithToken(site.id, `${header}.${payload}.${signature}`), 401, 'INVALID_TOKEN');
  });

  it('when a token expired more than the clock tolerance ago, then 401 INVALID_TOKEN', async () => {
    const token = await signJwt(claimsFor(site.id, { iat: nowSeconds() - 900, exp: nowSeconds() - 120 }), site.secret);
    expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
  });

  it('when a token expired 30 seconds ago, then it is still accepted (clock tolerance)', async () => {
    const token = await signJwt(claimsFor(site.id, { iat: nowSeconds() - 600, exp: nowSeconds() - 30 }), site.secret);
    expect((await postWithToken(site.id, token)).status).toBe(201);
  });

  it('when a token was accepted and then runs out, then it is refused although its check is remembered', async () => {
    // Three seconds of tolerance left: accepted now (and remembered), refused once they pass.
    const token = await signJwt(claimsFor(site.id, { iat: nowSeconds() - 600, exp: nowSeconds() - 57 }), site.secret);
    expect((await postWithToken(site.id, token)).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
  });

  it('when a token has no exp, then 401 INVALID_TOKEN', async () => {
    expectError(
      await postWithToken(site.id, await signJwt(claimsFor(site.id, { exp: undefined }), site.secret)),
      401,
      'INVALID_TOKEN',
    );
  });

  it('when exp is not a number, then 401 INVALID_TOKEN', async () => {
    const token = await signJwt(claimsFor(site.id, { exp: '9999999999' }), site.secret);
    expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
  });

  it('when aud names another site, then 401 INVALID_TOKEN', async () => {
    const token = await signJwt(claimsFor(site.id, { aud: 's-some-other-site' }), site.secret);
    expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
  });

  it('when aud is missing, then 401 INVALID_TOKEN', async () => {
    expectError(
      await postWithToken(site.id, await signJwt(claimsFor(site.id, { aud: undefined }), site.secret)),
      401,
      'INVALID_TOKEN',
    );
  });

  it('when two sites share a secret, then a token for one is refused by the other because of aud', async () => {
    const twin = await createSite(h, { auth: { hs256Secret: site.secret } });
    const forTwin = await signJwt(claimsFor(twin.id), site.secret);
    expect((await postWithToken(twin.id, forTwin)).status).toBe(201);
    expectError(await postWithToken(site.id, forTwin), 401, 'INVALID_TOKEN');
  });

  it('when the name claim is missing, empty or only control characters, then 401 INVALID_TOKEN', async () => {
    for (const name of [undefined, '', '   ', '\u0000\u0001']) {
      const token = await signJwt(claimsFor(site.id, { name }), site.secret);
      expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
    }
  });

  it('when the sub claim is missing, empty or not a string, then 401 INVALID_TOKEN', async () => {
    for (const sub of [undefined, '', 42, { $ne: null }]) {
      const token = await signJwt(claimsFor(site.id, { sub }), site.secret);
      expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
    }
  });

  it('when an unsecured alg:none token is sent, with or without a signature part, then 401 INVALID_TOKEN', async () => {
    const claims = claimsFor(site.id);
    expectError(await postWithToken(site.id, unsecuredJwt(claims)), 401, 'INVALID_TOKEN');
    expectError(await postWithToken(site.id, unsecuredJwt(claims, 'c2lnbmF0dXJl')), 401, 'INVALID_TOKEN');
    const validSignature = (await signJwt(claims, site.secret)).split('.')[2];
    expectError(await postWithToken(site.id, unsecuredJwt(claims, validSignature)), 401, 'INVALID_TOKEN');
  });

  it('when a token uses HS512 with the right secret, then 401 INVALID_TOKEN (algorithm not configured)', async () => {
    const token = await signJwt(claimsFor(site.id), site.secret, { alg: 'HS512' });
    expectError(await postWithToken(site.id, token), 401, 'INVALID_TOKEN');
  });

  it('when there is no Authorization header, then 401 LOGIN_REQUIRED', async () => {
    expectError(await postWith(site.id), 401, 'LOGIN_REQUIRED');
  });

  it('when the bearer is garbage, then 401 INVALID_TOKEN', async () => {
    for (const garbage of [
      'Bearer abc',
      'Bearer a.b.c',
      'Bearer ....',
      `Bearer ${'a'.repeat(9000)}`,
      'Bearer eyJhbGciOiJIUzI1NiJ9.e30',
    ]) {
      expectError(await postWith(site.id, garbage), 401, 'INVALID_TOKEN');
    }
  });

  it('when comments are read with an expired token, then the read works as anonymous (200, own pending hidden)', async () => {
    const pre = await createSite(h, { moderation: { mode: 'pre' } });
    const created = await postWithToken(pre.id, await signJwt(claimsFor(pre.id), pre.secret));
    expect(created.status).toBe(201);
    const expired = await signJwt(
      claimsFor(pre.id, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }),
      pre.secret,
    );
    const asExpired = await h.http
      .get(`/api/v1/sites/${pre.id}/comments`)
      .query({ thread: '/artikel/1' })
      .set(bearer(expired));
    expect(asExpired.status).toBe(200);
    expect(asExpired.body.comments).toEqual([]);
    const asGarbage = await h.http
      .get(`/api/v1/sites/${pre.id}/comments`)
      .query({ thread: '/artikel/1' })
      .set('Authorization', 'Bearer abc');
    expect(asGarbage.status).toBe(200);
    const asValid = await h.http
      .get(`/api/v1/sites/${pre.id}/comments`)
      .query({ thread: '/artikel/1' })
      .set(await pre.bearer());
    expect(asValid.body.comments).toHaveLength(1);
    expect(asValid.body.comments[0]).toMatchObject({ status: 'pending', mine: true });
  });
});

describe('issuer', () => {
  it('when a site configures an issuer, then tokens without it or with another are refused and the right one is accepted', async () => {
    const site = await createSite(h);
    const put = await h.http
      .put(`/api/v1/admin/sites/${site.id}`)
      .set(h.admin)
      .send({
        name: 'Testbloggen',
        origins: ['https://www.example.se'],
        auth: { hs256Secret: site.secret, issuer: 'https://www.example.se' },
      });
    expect(put.status).toBe(200);
    expect(put.body.site.auth).toEqual({ alg: 'HS256', hs256SecretSet: true, issuer: 'https://www.example.se' });
    expectError(await postWithToken(site.id, await signJwt(claimsFor(site.id), site.secret)), 401, 'INVALID_TOKEN');
    expectError(
      await postWithToken(site.id, await signJwt(claimsFor(site.id, { iss: 'https://evil.example' }), site.secret)),
      401,
      'INVALID_TOKEN',
    );
    expect(
      (await postWithToken(site.id, await signJwt(claimsFor(site.id, { iss: 'https://www.example.se' }), site.secret)))
        .status,
    ).toBe(201);
  });

  it('when an RS256 site configures an issuer, then only tokens with that iss are accepted', async () => {
    const { site, keys } = await asymmetricSite('RS256', { issuer: 'idp.example.se' });
    const sign = (claims: Record<string, unknown>) =>
      signJwt(claimsFor(site.id, claims), keys.privateKey, { alg: 'RS256' });
    expectError(await postWithToken(site.id, await sign({})), 401, 'INVALID_TOKEN');
    expectError(await postWithToken(site.id, await sign({ iss: 'other.example.se' })), 401, 'INVALID_TOKEN');
    expect((await postWithToken(site.id, await sign({ iss: 'idp.example.se' }))).status).toBe(201);
  });
});

describe.each(['RS256', 'ES256', 'EdDSA'] as const)('%s sites', (alg) => {
  it(`when a token is signed with the site's ${alg} private key, then it is accepted; with another key pair, 401`, async () => {
    const { site, keys } = await asymmetricSite(alg);
    const other = await keyPair(alg);
    expect((await postWithToken(site.id, await signJwt(claimsFor(site.id), keys.privateKey, { alg }))).status).toBe(
      201,
    );
    expectError(
      await postWithToken(site.id, await signJwt(claimsFor(site.id), other.privateKey, { alg })),
      401,
      'INVALID_TOKEN',
    );
  });

  it(`when an ${alg} site gets an HS256 token signed with its public key PEM as secret, then 401 (no algorithm confusion)`, async () => {
    const { site, keys } = await asymmetricSite(alg);
    const confused = await signJwt(claimsFor(site.id), keys.publicKeyPem, { alg: 'HS256' });
    expectError(await postWithToken(site.id, confused), 401, 'INVALID_TOKEN');
    expectError(await postWithToken(site.id, unsecuredJwt(claimsFor(site.id))), 401, 'INVALID_TOKEN');
  });
});

describe('switching algorithms', () => {
  it('when an HS256 site is reconfigured to RS256, then tokens with the old secret are refused and RS256 tokens accepted', async () => {
    const site = await createSite(h);
    const hsToken = await signJwt(claimsFor(site.id), site.secret);
    expect((await postWithToken(site.id, hsToken)).status).toBe(201);
    const keys = await keyPair('RS256');
    const put = await h.http
      .put(`/api/v1/admin/sites/${site.id}`)
      .set(h.admin)
      .send({
        name: 'Testbloggen',
        origins: ['https://www.example.se'],
        auth: { publicKeyPem: keys.publicKeyPem, alg: 'RS256' },
      });
    expect(put.status).toBe(200);
    expectError(await postWithToken(site.id, hsToken), 401, 'INVALID_TOKEN');
    expect(
      (await postWithToken(site.id, await signJwt(claimsFor(site.id), keys.privateKey, { alg: 'RS256' }))).status,
    ).toBe(201);
  });

  it('when an EdDSA token is sent to an ES256 site, then 401 INVALID_TOKEN', async () => {
    const { site } = await asymmetricSite('ES256');
    const ed = await keyPair('EdDSA');
    expectError(
      await postWithToken(site.id, await signJwt(claimsFor(site.id), ed.privateKey, { alg: 'EdDSA' })),
      401,
      'INVALID_TOKEN',
    );
  });
});

describe('public key configuration', () => {
  const expectRefusedKey = async (auth: Record<string, unknown>) => {
    const id = `s-${randomUUID().slice(0, 12)}`;
    const res = await h.http.put(`/api/v1/admin/sites/${id}`).set(h.admin).send({ name: 'Trasig', origins: [], auth });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'auth.publicKeyPem' })]),
    );
    expect((await h.http.get(`/api/v1/admin/sites/${id}`).set(h.admin)).status).toBe(404);
  };

  it('when a site is PUT with a public key PEM that does not parse, then 400 VALIDATION_FAILED naming auth.publicKeyPem', async () => {
    await expectRefusedKey({
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n',
      alg: 'RS256',
    });
    await expectRefusedKey({
      publicKeyPem: '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n',
      alg: 'ES256',
    });
    await expectRefusedKey({ publicKeyPem: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n', alg: 'EdDSA' });
  });

  // KNOWN BUG (reported, not fixed here): assertUsableKey in src/modules/sites/site.service.ts
  // only calls jose's importSPKI, which on Node does not check the key type against alg. A key
  // of the wrong type is stored (201) and the site then refuses every commenter token with 401.
  // Turn this back into it() once the key type is checked.
  const mismatched: Array<[string, () => Promise<string>, AsymmetricAlg]> = [
    ['an RSA key', async () => (await keyPair('RS256')).publicKeyPem, 'ES256'],
    ['an RSA key', async () => (await keyPair('RS256')).publicKeyPem, 'EdDSA'],
    ['a P-256 key', async () => (await keyPair('ES256')).publicKeyPem, 'RS256'],
    ['a P-384 key', async () => exportSPKI((await generateKeyPair('ES384')).publicKey), 'ES256'],
  ];
  for (const [what, pem, alg] of mismatched) {
    it(`when a site is PUT with ${what} for alg ${alg}, then 400 VALIDATION_FAILED naming auth.publicKeyPem`, async () => {
      await expectRefusedKey({ publicKeyPem: await pem(), alg });
    });
  }

  it('when a site is PUT with a private key, no key, an unknown alg or a short secret, then 400 VALIDATION_FAILED', async () => {
    const bad = [
      {
        publicKeyPem: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n',
        alg: 'EdDSA',
      },
      { alg: 'RS256' },
      { publicKeyPem: (await keyPair('RS256')).publicKeyPem, alg: 'none' },
      { publicKeyPem: (await keyPair('RS256')).publicKeyPem, alg: 'HS256' },
      { hs256Secret: 'too-short' },
      { hs256Secret: 'x'.repeat(40), alg: 'none' },
    ];
    for (const auth of bad) {
      const res = await h.http
        .put(`/api/v1/admin/sites/s-${randomUUID().slice(0, 12)}`)
        .set(h.admin)
        .send({ name: 'Trasig', origins: [], auth });
      expectError(res, 400, 'VALIDATION_FAILED');
    }
  });
});

describe('roles', () => {
  const close = async (siteId: string, token: string, thread: string) =>
    h.http
      .post(`/api/v1/sites/${siteId}/moderation/threads/close`)
      .set(bearer(token))
      .send({ thread, reason: 'Stängd' });

  it('when a moderator of the site closes a thread, then it is closed and commenters get 409 THREAD_CLOSED', async () => {
    const site = await createSite(h);
    const moderator = await signJwt(
      claimsFor(site.id, { sub: 'mod-1', name: 'Moa', roles: ['moderator'] }),
      site.secret,
    );
    const res = await close(site.id, moderator, '/artikel/1');
    expect(res.status).toBe(200);
    expect(res.body.thread).toMatchObject({ key: '/artikel/1', status: 'closed' });
    const write = await postWithToken(site.id, await signJwt(claimsFor(site.id), site.secret));
    expectError(write, 409, 'THREAD_CLOSED');
  });

  it('when an admin-role token closes a thread, then 200', async () => {
    const site = await createSite(h);
    const admin = await signJwt(claimsFor(site.id, { roles: ['admin'] }), site.secret);
    expect((await close(site.id, admin, 't')).status).toBe(200);
  });

  it('when a token without the moderator role (none, unknown or malformed roles) tries to close a thread, then 403 FORBIDDEN and it stays open', async () => {
    const site = await createSite(h);
    for (const roles of [undefined, [], ['superuser'], ['Moderator'], 'moderator', [{ role: 'moderator' }]]) {
      const token = await signJwt(claimsFor(site.id, { roles }), site.secret);
      expectError(await close(site.id, token, 't'), 403, 'FORBIDDEN');
    }
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 't' });
    expect(state.body.thread.status).toBe('open');
  });

  it('when a moderator of site A tries to close a thread on site B, then 401 INVALID_TOKEN and it stays open', async () => {
    const a = await createSite(h);
    const b = await createSite(h);
    const moderatorOfA = await signJwt(claimsFor(a.id, { roles: ['moderator'] }), a.secret);
    expectError(await close(b.id, moderatorOfA, 't'), 401, 'INVALID_TOKEN');
    const state = await h.http.get(`/api/v1/sites/${b.id}/thread`).query({ key: 't' });
    expect(state.body.thread.status).toBe('open');
  });

  it('when a moderator action has no token, then 401 LOGIN_REQUIRED', async () => {
    const site = await createSite(h);
    const res = await h.http.post(`/api/v1/sites/${site.id}/moderation/threads/close`).send({ thread: 't' });
    expectError(res, 401, 'LOGIN_REQUIRED');
  });
});

describe('admin key', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await createSite(h);
  });

  it('when an admin endpoint is called without a key, then 401 LOGIN_REQUIRED', async () => {
    expectError(await h.http.get(`/api/v1/admin/sites/${site.id}`), 401, 'LOGIN_REQUIRED');
    expectError(await h.http.patch(`/api/v1/admin/sites/${site.id}`).send({ locale: 'en' }), 401, 'LOGIN_REQUIRED');
  });

  it('when an admin endpoint is called with a wrong key, then 401 INVALID_TOKEN and nothing changes', async () => {
    for (const authorization of [
      `Bearer ${ADMIN_KEY}x`,
      `Bearer ${ADMIN_KEY.slice(0, -1)}`,
      'Bearer wrong',
      `Basic ${ADMIN_KEY}`,
    ]) {
      const res = await h.http
        .patch(`/api/v1/admin/sites/${site.id}`)
        .set('Authorization', authorization)
        .send({ locale: 'en' });
      expect(res.status).toBe(401);
      expect(['INVALID_TOKEN', 'LOGIN_REQUIRED']).toContain(res.body.error.code);
    }
    expectError(
      await h.http.get(`/api/v1/admin/sites/${site.id}`).set('Authorization', 'Bearer wrong'),
      401,
      'INVALID_TOKEN',
    );
    const commenter = await site.token({ roles: ['admin'] });
    expectError(await h.http.get(`/api/v1/admin/sites/${site.id}`).set(bearer(commenter)), 401, 'INVALID_TOKEN');
    const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: 't' });
    expect(state.body.site.locale).toBe('sv');
  });

  it('when an admin endpoint is called with the right key, then 200 and the secret is never returned', async () => {
    const res = await h.http.get(`/api/v1/admin/sites/${site.id}`).set(h.admin);
    expect(res.status).toBe(200);
    expect(res.body.site).toMatchObject({
      id: site.id,
      name: 'Testbloggen',
      auth: { alg: 'HS256', hs256SecretSet: true },
    });
    expect(JSON.stringify(res.body)).not.toContain(site.secret);
    const patched = await h.http.patch(`/api/v1/admin/sites/${site.id}`).set(h.admin).send({ locale: 'en' });
    expect(patched.status).toBe(200);
    expect(patched.body.site.locale).toBe('en');
    expect(JSON.stringify(patched.body)).not.toContain(site.secret);
  });
});
