import { Mailer } from '../src/infra/mailer';
import { erasureDeadlinesJob } from '../src/modules/privacy/erasure-deadlines.job';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { SentMailModel } from '../src/modules/notifications/sent-mail.model';
import { runRetention } from '../src/modules/retention/retention.runner';
import { freePort } from '../src/dev/free-port';
import { holdAt } from '../src/shared/checkpoints';
import { erasureJob } from '../src/modules/privacy/erasure.job';
import { createSite, eventually, TestSite, useHarness } from './helpers/harness';
import { mailsTo, mailTo, uniqueAddress } from './helpers/mailpit';
import { completed, subject } from './helpers/privacy';

// The worker's check of erasure deadlines, sending to the tests' real SMTP server (Mailpit).
// The workers' own schedules of the mail jobs are pushed out of the tests' way: each test runs the check itself.
const h = useHarness({
  SMTP_URL: process.env.SMTP_TEST_URL as string,
  MAIL_FROM: 'Kommentarer <no-reply@kommentarer.example.test>',
  DEADLINE_CHECK_EVERY_MS: String(24 * 3_600_000),
  MODERATOR_MAIL_EVERY_MS: String(24 * 3_600_000),
});
const DAY = 24 * 60 * 60 * 1000;
const PAYLOAD = { run: 'erasure-deadlines' } as const;
const check = (services = h.services) => erasureDeadlinesJob.handle(PAYLOAD, services, h.services.logger);

/** A site with two privacy contacts and a subject's erasure request left open (30 days' grace, no worker). */
async function openRequest(overrides: Record<string, unknown> = {}) {
  const contacts = [uniqueAddress('dataskydd'), uniqueAddress('registrator')];
  const site: TestSite = await createSite(h, {
    erasureGraceHours: 720,
    notifications: { privacyContacts: contacts },
    ...overrides,
  });
  const s = subject();
  const posted = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer(s.claims))
    .send({ thread: 'a', body: 'Radera mig sedan' });
  expect(posted.status).toBe(201);
  const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
  expect(res.status).toBe(202);
  const dueIn = (ms: number) =>
    ErasureRequestModel.updateOne({ _id: res.body.id }, { $set: { dueAt: new Date(Date.now() + ms) } });
  return { site, contacts, s, requestId: res.body.id as string, dueIn };
}

describe('privacy contacts and erasure deadlines', () => {
  it('when an open request is a week from its deadline and then past it, then each contact gets one mail of each, in the site language, with no personal data', async () => {
    const { contacts, s, requestId, dueIn } = await openRequest();
    await dueIn(6 * DAY + 60_000);
    expect(await check()).toBe('sent');
    for (const to of contacts) {
      const mail = await mailTo(to);
      expect(mail.subject).toMatch(/^Begäran om radering ska vara klar om 7 dagar/);
      expect(mail.text).toContain(requestId);
      for (const personal of [s.claims.sub, s.claims.name, s.claims.email, 'Radera mig sedan'])
        expect(`${mail.subject}\n${mail.text}`).not.toContain(personal);
    }
    // However often the check runs, a contact hears of it once.
    expect(await check()).toBe('nothing to send');
    for (const to of contacts) expect(await mailsTo(to)).toHaveLength(1);

    await dueIn(-DAY - 60_000);
    expect(await check()).toBe('sent');
    expect(await check()).toBe('nothing to send');
    for (const to of contacts) {
      const mails = await mailsTo(to);
      expect(mails.map((m) => m.subject).sort()).toEqual([
        expect.stringMatching(/^Begäran om radering ska vara klar/),
        expect.stringMatching(/^Begäran om radering är försenad/),
      ]);
    }
    // The records of what was sent hold no address, only its keyed hash.
    const records = JSON.stringify(await SentMailModel.find({ _id: { $regex: requestId } }).lean());
    for (const to of contacts) expect(records).not.toContain(to);
  });

  it('when the site is English, then so is the mail; a request far from its deadline, or completed, gets none', async () => {
    const { contacts, requestId, dueIn } = await openRequest({ locale: 'en' });
    await dueIn(20 * DAY);
    expect(await check()).toBe('nothing to send');
    await dueIn(2 * DAY);
    expect(await check()).toBe('sent');
    const mail = await mailTo(contacts[0]!);
    expect(mail.subject).toMatch(/^Erasure request due in 2 days/);
    expect(mail.text).toContain(`Erasure request ${requestId}`);

    const done = await openRequest();
    await done.dueIn(-DAY);
    await ErasureRequestModel.updateOne({ _id: done.requestId }, { $set: { status: 'completed' } });
    expect(await check()).toBe('nothing to send');
    expect(await mailsTo(done.contacts[0]!)).toHaveLength(0);
  });

  it('when sending fails, then nothing is recorded as sent and the next run sends it', async () => {
    const { contacts, dueIn } = await openRequest();
    await dueIn(3 * DAY);
    // An SMTP server that is not there: a closed loopback port.
    const nowhere = new Mailer(`smtp://127.0.0.1:${await freePort()}`, 'Kommentarer <x@kommentarer.example.test>');
    try {
      await expect(check({ ...h.services, mailer: nowhere })).rejects.toThrow();
    } finally {
      nowhere.close();
    }
    expect(await mailsTo(contacts[0]!)).toHaveLength(0);
    expect(await check()).toBe('sent');
    expect(await mailsTo(contacts[0]!)).toHaveLength(1);
    expect(await mailsTo(contacts[1]!)).toHaveLength(1);
  });

  it('when mail is off, then the check sends nothing and says so', async () => {
    const { contacts, dueIn } = await openRequest();
    await dueIn(DAY);
    expect(await check({ ...h.services, mailer: undefined })).toBe('mail off');
    expect(await mailsTo(contacts[0]!)).toHaveLength(0);
  });

  it("when records of sent mail are older than the site's sentMailRetentionDays, then retention deletes them", async () => {
    const { site, dueIn } = await openRequest({
      notifications: { privacyContacts: [uniqueAddress('dpo')], sentMailRetentionDays: 10 },
    });
    await dueIn(DAY);
    expect(await check()).toBe('sent');
    expect(await SentMailModel.countDocuments({ siteId: site.id })).toBe(1);
    await runRetention([], h.services.logger, new Date(Date.now() + 9 * DAY));
    expect(await SentMailModel.countDocuments({ siteId: site.id })).toBe(1);
    const counts = await runRetention([], h.services.logger, new Date(Date.now() + 11 * DAY));
    expect(counts.sentMailDeleted).toBeGreaterThanOrEqual(1);
    expect(await SentMailModel.countDocuments({ siteId: site.id })).toBe(0);
  });

  // Last: it starts workers, which would run the other tests' requests' jobs if they were due.
  it('when an erasure keeps failing, then the contacts are told once that it needs attention, and it still completes once the cause is gone', async () => {
    const workers = await h.startWorkers();
    try {
      const { site, contacts, requestId } = await openRequest({ erasureGraceHours: 0 });
      const request = await ErasureRequestModel.findById(requestId).lean();
      const jobId = erasureJob.jobId({ siteId: site.id, subjectRef: request!.subjectRef });
      const queue = h.services.jobQueues.of(erasureJob);
      // Each attempt fails at its last step, as a lost database would make it fail.
      for (let attempt = 1; attempt <= 3; attempt++) {
        const step = holdAt('erasure.final.beforeProfile');
        await step.reached;
        if (attempt === 2) {
          // One failure is no alarm.
          await check();
          expect(await mailsTo(contacts[0]!)).toHaveLength(0);
        }
        step.release(Object.assign(new Error('connection lost'), { name: 'MongoNetworkError' }));
        await eventually(async () => (await queue.failedAttempts(jobId)) >= attempt, 20_000);
      }
      const held = holdAt('erasure.final.beforeProfile');
      expect(await check()).toBe('sent');
      expect(await check()).toBe('nothing to send');
      for (const to of contacts) {
        const mail = await mailTo(to);
        expect(mail.subject).toMatch(/^Begäran om radering misslyckades/);
        expect(mail.text).toContain(requestId);
      }
      await held.reached;
      held.release();
      await completed(requestId);
      for (const to of contacts) expect(await mailsTo(to)).toHaveLength(1);
    } finally {
      await workers.close();
    }
  }, 60_000);
});
