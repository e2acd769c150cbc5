import { moderatorMailJob } from '../src/modules/notifications/moderator-mail.job';
import { createSite, useHarness } from './helpers/harness';
import { mailsTo, mailTo, uniqueAddress } from './helpers/mailpit';
import { postAndDecide } from './helpers/moderation';

// Moderators' mail, sent by the worker's job to the tests' real SMTP server (Mailpit).
// The workers' own schedules of the mail jobs are pushed out of the tests' way: each test runs the job itself.
const h = useHarness(
  {
    SMTP_URL: process.env.SMTP_TEST_URL as string,
    MAIL_FROM: 'Kommentarer <no-reply@kommentarer.example.test>',
    MODERATOR_MAIL_EVERY_MS: String(24 * 3_600_000),
    DEADLINE_CHECK_EVERY_MS: String(24 * 3_600_000),
  },
  { workers: true },
);
const run = (services = h.services) => moderatorMailJob.handle({ run: 'moderator-mail' }, services, h.services.logger);
const AUTHOR = { sub: 'greta-1', name: 'Greta Skribentsson' };

async function siteFor(mode: 'immediate' | 'digest' | 'off', extra: Record<string, unknown> = {}) {
  const moderators = [uniqueAddress('moderator-a'), uniqueAddress('moderator-b')];
  const site = await createSite(h, {
    moderation: { mode: 'pre' },
    notifications: { moderators: { emails: moderators, mode } },
    ...extra,
  });
  return { site, moderators };
}

describe("moderators' mail", () => {
  it('when a comment is held and moderators want every one, then each moderator gets one mail with a link to /moderate and nothing of the comment', async () => {
    const { site, moderators } = await siteFor('immediate');
    const held = await postAndDecide(h, site, 'Hemlig text som inte får synas i mejl', AUTHOR);
    expect(held).toMatchObject({ status: 'pending', held: true });
    expect(await run()).toBe('sent');
    for (const to of moderators) {
      const mail = await mailTo(to);
      expect(mail.subject).toMatch(/^En kommentar väntar på granskning/);
      expect(mail.text).toContain(`/moderate#site=${site.id}&lang=sv`);
      for (const secret of ['Hemlig text', AUTHOR.name, AUTHOR.sub])
        expect(`${mail.subject}${mail.text}`).not.toContain(secret);
    }
    expect(await run()).toBe('nothing to send');
    for (const to of moderators) expect(await mailsTo(to)).toHaveLength(1);
  });

  it('when a published comment reaches the report threshold, then the moderators hear of it once, in English on an English site', async () => {
    const { site, moderators } = await siteFor('immediate', { moderation: { mode: 'post' }, locale: 'en' });
    const published = await postAndDecide(h, site, 'Ett vanligt inlägg', AUTHOR);
    expect(published.status).toBe('published');
    const report = await h.http
      .post(`/api/v1/comments/${published._id}/reports`)
      .set(await site.bearer({ sub: 'reader-1', name: 'Reader' }))
      .send({ reason: 'other' });
    expect(report.status).toBeLessThan(300);
    expect(await run()).toBe('sent');
    const mail = await mailTo(moderators[0]!);
    expect(mail.subject).toMatch(/^A comment was reported/);
    expect(mail.text).toContain('lang=en');
    expect(await run()).toBe('nothing to send');
  });

  it('when moderators want a digest, then one mail counts what waits and says how old the oldest is, once per period', async () => {
    const { site, moderators } = await siteFor('digest');
    for (const n of [1, 2, 3]) await postAndDecide(h, site, `Väntar ${n}`, AUTHOR);
    expect(await run()).toBe('sent');
    const mail = await mailTo(moderators[1]!);
    expect(mail.subject).toMatch(/^3 kommentarer väntar, den äldsta sedan 1 minut/);
    expect(await run()).toBe('nothing to send');
    expect(await mailsTo(moderators[1]!)).toHaveLength(1);
  });

  it('when moderators want no mail, or mail is off, then nothing is sent', async () => {
    const off = await siteFor('off');
    await postAndDecide(h, off.site, 'Ingen ska få mejl', AUTHOR);
    const on = await siteFor('immediate');
    await postAndDecide(h, on.site, 'Mejl är avstängt', AUTHOR);
    expect(await run({ ...h.services, mailer: undefined })).toBe('mail off');
    expect(await mailsTo(on.moderators[0]!)).toHaveLength(0);
    await run();
    expect(await mailsTo(off.moderators[0]!)).toHaveLength(0);
    expect(await mailsTo(on.moderators[0]!)).toHaveLength(1);
  });
});
