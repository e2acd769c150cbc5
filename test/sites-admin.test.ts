import { ADMIN_KEY, createSite, useHarness } from './helpers/harness';
import { SiteModel } from '../src/modules/sites/site.model';
import path from 'node:path';
import { REPO_ROOT } from './helpers/paths';

const h = useHarness();

const minimal = { name: 'Exempelbloggen', origins: ['https://www.example.se'], auth: { hs256Secret: 'x'.repeat(32) } };

describe('site administration', () => {
  it('when a site is created with the minimal fields, then every default of the contract is applied and the secret is not returned', async () => {
    const res = await h.http.put('/api/v1/admin/sites/exempel-min').set(h.admin).send(minimal);
    expect([200, 201]).toContain(res.status);
    const site = (await h.http.get('/api/v1/admin/sites/exempel-min').set(h.admin)).body.site;
    expect(site).toMatchObject({
      id: 'exempel-min',
      name: 'Exempelbloggen',
      origins: ['https://www.example.se'],
      locale: 'sv',
      loginUrl: null,
      maxLength: 300,
      editWindowMinutes: 15,
      autoCloseAfterDays: null,
      moderation: {
        mode: 'post',
        bannedWords: [],
        suspectWords: [],
        maxLinks: 1,
        holdPersonalData: true,
        reportThreshold: 1,
      },
      rateLimits: {
        commentsPerCommenterPerMinute: 6,
        commentsPerIpPerMinute: 30,
        noticesPerIpPerHour: 10,
        noticesPerCommentPerHour: 30,
      },
      retention: { ipHashDays: 30, rejectedDays: 90, noticeDays: 180, appealDays: 180 },
      erasureGraceHours: 0,
      notifications: {
        moderators: { emails: [], mode: 'off', digestMinutes: 60 },
        privacyContacts: [],
        commenterMails: true,
        sentMailRetentionDays: 30,
      },
      appeals: { windowDays: 183 },
      auth: { alg: 'HS256', hs256SecretSet: true },
    });
    expect(site.privacyNotice.sv.title).toBe('Behandling av personuppgifter');
    expect(site.privacyNotice.en.title).toBe('Processing of personal data');
    expect(JSON.stringify(site)).not.toContain('x'.repeat(32));
  });

  it('when nested objects are given in part, then what is left out keeps its default', async () => {
    const res = await h.http
      .put('/api/v1/admin/sites/exempel-del')
      .set(h.admin)
      .send({
        ...minimal,
        moderation: { mode: 'pre' },
        privacyNotice: { sv: { url: 'https://www.example.se/personuppgifter' } },
      });
    expect(res.body.site.moderation).toMatchObject({ mode: 'pre', maxLinks: 1, holdPersonalData: true });
    expect(res.body.site.privacyNotice.sv).toMatchObject({
      title: 'Behandling av personuppgifter',
      url: 'https://www.example.se/personuppgifter',
    });
  });

  it('when a site is patched, then only the given fields change and the secret still verifies tokens', async () => {
    const site = await createSite(h);
    const res = await h.http
      .patch(`/api/v1/admin/sites/${site.id}`)
      .set(h.admin)
      .send({ maxLength: 500, moderation: { maxLinks: 3 } });
    expect(res.status).toBe(200);
    expect(res.body.site).toMatchObject({
      maxLength: 500,
      moderation: { maxLinks: 3, mode: 'post' },
      name: 'Testbloggen',
    });
    const post = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 't', body: 'x'.repeat(400) });
    expect(post.status).toBe(201);
  });

  it('when the configuration is invalid, then 400 VALIDATION_FAILED names the fields and nothing is stored', async () => {
    const bad = await h.http
      .put('/api/v1/admin/sites/exempel-bad')
      .set(h.admin)
      .send({ ...minimal, maxLength: 'trehundra', origins: ['not an origin'], extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const paths = bad.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['maxLength', 'origins.0']));
    expect(await SiteModel.exists({ _id: 'exempel-bad' })).toBeNull();
    const shortSecret = await h.http
      .put('/api/v1/admin/sites/exempel-bad')
      .set(h.admin)
      .send({ ...minimal, auth: { hs256Secret: 'kort' } });
    expect(shortSecret.status).toBe(400);
    const badId = await h.http.put('/api/v1/admin/sites/Ogiltig_Id').set(h.admin).send(minimal);
    expect(badId.status).toBe(400);
  });

  it('when a patch is invalid, then the stored site is unchanged', async () => {
    const site = await createSite(h);
    const res = await h.http.patch(`/api/v1/admin/sites/${site.id}`).set(h.admin).send({ maxLength: -1 });
    expect(res.status).toBe(400);
    expect((await h.http.get(`/api/v1/admin/sites/${site.id}`).set(h.admin)).body.site.maxLength).toBe(300);
  });

  it('when an unknown site is read or patched, then 404 NOT_FOUND; the public API answers 404 too', async () => {
    expect((await h.http.get('/api/v1/admin/sites/finns-inte').set(h.admin)).status).toBe(404);
    expect((await h.http.patch('/api/v1/admin/sites/finns-inte').set(h.admin).send({ maxLength: 5 })).status).toBe(404);
    const pub = await h.http.get('/api/v1/sites/finns-inte/thread').query({ key: 'x' });
    expect(pub.status).toBe(404);
    expect(pub.body.error.code).toBe('NOT_FOUND');
  });

  it('when the sites are listed, then each comes once, by id, without secrets; without the admin key, 401', async () => {
    const a = await createSite(h);
    const b = await createSite(h);
    const res = await h.http.get('/api/v1/admin/sites').set(h.admin);
    expect(res.status).toBe(200);
    const ids = res.body.sites.map((s: { id: string }) => s.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.filter((id: string) => id === a.id || id === b.id)).toHaveLength(2);
    const text = JSON.stringify(res.body);
    for (const secret of [a.secret, b.secret]) expect(text).not.toContain(secret);
    expect(res.body.sites.find((s: { id: string }) => s.id === a.id).auth).toEqual({
      alg: 'HS256',
      hs256SecretSet: true,
    });
    expect((await h.http.get('/api/v1/admin/sites')).status).toBe(401);
  });

  it('when the admin key is missing or wrong, then 401', async () => {
    expect((await h.http.get('/api/v1/admin/sites/exempel-min')).status).toBe(401);
    expect(
      (await h.http.get('/api/v1/admin/sites/exempel-min').set('Authorization', `Bearer ${ADMIN_KEY}x`)).status,
    ).toBe(401);
  });

  it('when sites are seeded from a file under config/, then they exist and a second seed leaves them alone', async () => {
    await SiteModel.deleteOne({ _id: 'demo' });
    const file = path.join(REPO_ROOT, 'config/demo-sites.json');
    const { loadSeedFile } = await import('../src/modules/sites/site.seed');
    expect(await h.services.sites.seed(loadSeedFile(file))).toEqual(['demo']);
    expect(await h.services.sites.seed(loadSeedFile(file))).toEqual([]);
    const demo = await h.http.get('/api/v1/admin/sites/demo').set(h.admin);
    expect(demo.body.site.name).toBe('Demobloggen');
  });
});
