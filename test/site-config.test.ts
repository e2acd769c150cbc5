import { AppError } from '../src/shared/errors';
import { mergePatch } from '../src/modules/sites/site-config-patch';
import { DEFAULT_PRIVACY_NOTICE, siteConfigSchema } from '../src/modules/sites/site.schemas';

const SECRET = 'x'.repeat(32);
const minimal = { name: 'Bloggen', origins: ['https://www.example.se'], auth: { hs256Secret: SECRET } };

describe('site configuration defaults', () => {
  it("when only name, origins and auth are given, then every other field gets the contract's default", () => {
    expect(siteConfigSchema.parse(minimal)).toEqual({
      ...minimal,
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
      privacyNotice: DEFAULT_PRIVACY_NOTICE,
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
        alertContacts: [],
        commenterMails: true,
        sentMailRetentionDays: 30,
      },
      appeals: { windowDays: 183 },
    });
  });

  it('when a nested object is given in part, then the rest of it keeps its defaults', () => {
    const config = siteConfigSchema.parse({
      ...minimal,
      moderation: { mode: 'pre' },
      privacyNotice: { sv: { title: 'Om dina uppgifter' } },
    });
    expect(config.moderation).toMatchObject({ mode: 'pre', maxLinks: 1, holdPersonalData: true });
    expect(config.privacyNotice.sv).toEqual({ ...DEFAULT_PRIVACY_NOTICE.sv, title: 'Om dina uppgifter' });
    expect(config.privacyNotice.en).toEqual(DEFAULT_PRIVACY_NOTICE.en);
  });

  it('when origins are written in capitals, then they are stored in lower case; with a path, they are refused', () => {
    expect(siteConfigSchema.parse({ ...minimal, origins: ['HTTPS://WWW.Example.SE'] }).origins).toEqual([
      'https://www.example.se',
    ]);
    expect(siteConfigSchema.safeParse({ ...minimal, origins: ['https://www.example.se/blogg'] }).success).toBe(false);
  });

  it('when staff addresses are given for notifications, then they are stored in lower case; anything that is not one plain address is refused', () => {
    const parsed = siteConfigSchema.parse({
      ...minimal,
      notifications: { privacyContacts: ['Dataskydd@Myndigheten.SE'], moderators: { emails: ['ö@exempel.se'] } },
    });
    expect(parsed.notifications.privacyContacts).toEqual(['dataskydd@myndigheten.se']);
    expect(parsed.notifications.moderators).toEqual({ emails: ['ö@exempel.se'], mode: 'off', digestMinutes: 60 });
    for (const bad of [
      'a@b',
      'a b@c.se',
      '<a@b.se>',
      'a@b.se, c@d.se',
      'a@b.se\nBcc: x@y.se',
      'a\u0000@b.se',
      'x'.repeat(250) + '@b.se',
    ])
      expect(siteConfigSchema.safeParse({ ...minimal, notifications: { privacyContacts: [bad] } }).success).toBe(false);
    expect(
      siteConfigSchema.safeParse({ ...minimal, notifications: { privacyContacts: Array(21).fill('a@b.se') } }).success,
    ).toBe(false);
    expect(
      siteConfigSchema.safeParse({ ...minimal, notifications: { moderators: { mode: 'sometimes' } } }).success,
    ).toBe(false);
  });

  it('when a field is unknown, at the top or nested, then the configuration is refused', () => {
    expect(siteConfigSchema.safeParse({ ...minimal, colour: 'blå' }).success).toBe(false);
    expect(siteConfigSchema.safeParse({ ...minimal, moderation: { mode: 'post', strict: true } }).success).toBe(false);
  });
});

describe('patching a site configuration', () => {
  const stored = {
    name: 'Bloggen',
    auth: { hs256Secret: SECRET, issuer: 'https://idp.example.se' },
    origins: ['https://a.example.se'],
    moderation: { mode: 'post', maxLinks: 1, bannedWords: ['skräp'] },
    autoCloseAfterDays: 7,
  };

  it('when a nested object is patched, then only the given fields change and the rest of it stays', () => {
    expect(mergePatch(stored, { moderation: { maxLinks: 3 } })).toEqual({
      ...stored,
      moderation: { mode: 'post', maxLinks: 3, bannedWords: ['skräp'] },
    });
  });

  it('when arrays or plain values are patched, then they are replaced, and null is a value, not a deletion', () => {
    const patched = mergePatch(stored, {
      origins: ['https://b.example.se'],
      moderation: { bannedWords: [] },
      autoCloseAfterDays: null,
      name: 'Nya bloggen',
    });
    expect(patched).toMatchObject({
      origins: ['https://b.example.se'],
      moderation: { bannedWords: [] },
      autoCloseAfterDays: null,
      name: 'Nya bloggen',
    });
    expect(patched).toHaveProperty('autoCloseAfterDays', null);
  });

  it('when auth is patched, then it is replaced as a whole, so an old secret never survives a change of algorithm', () => {
    const patched = mergePatch(stored, { auth: { alg: 'RS256', publicKeyPem: 'PEM' } });
    expect(patched.auth).toEqual({ alg: 'RS256', publicKeyPem: 'PEM' });
  });

  it('when a patch is merged, then the stored configuration it was merged into is unchanged', () => {
    const before = JSON.stringify(stored);
    mergePatch(stored, { moderation: { maxLinks: 9 }, name: 'Annan' });
    expect(JSON.stringify(stored)).toBe(before);
  });

  it('when a patch names __proto__, constructor or prototype, at the top or nested, then 400 VALIDATION_FAILED and nothing is polluted', () => {
    for (const patch of [
      '{"__proto__":{"polluted":true}}',
      '{"moderation":{"__proto__":{"polluted":true}}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"moderation":{"prototype":1}}',
    ]) {
      let err: unknown;
      try {
        mergePatch(stored, JSON.parse(patch));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ problem: 'unknown field' }] } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
