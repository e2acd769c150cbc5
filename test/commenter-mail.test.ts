import { Writable } from 'node:stream';
import { keyedHash } from '../src/infra/keyed-hash';
import { createLogger } from '../src/infra/logger';
import { Mailer } from '../src/infra/mailer';
import type { EventType } from '../src/modules/events/event-types';
import { EventModel } from '../src/modules/events/event.model';
import { commenterMailConsumer } from '../src/modules/notifications/commenter-mail.consumer';
import { commenterMailJob, CommenterMailKind } from '../src/modules/notifications/commenter-mail.job';
import { MailSubscriptionModel } from '../src/modules/notifications/mail-subscription.model';
import { SentMailModel } from '../src/modules/notifications/sent-mail.model';
import { createComment } from './helpers/factories';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';
import { mailsTo, mailTo, ReceivedMail, uniqueAddress } from './helpers/mailpit';
import { MODERATOR } from './helpers/moderation';
import { completed, rawStorage } from './helpers/privacy';

// Commenters' mail, end to end: opt-in through the API, the event feed's dispatcher in a
// real worker, the commenter-mail queue on Redis, Mailpit as the SMTP server.
const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    {
      SMTP_URL: process.env.SMTP_TEST_URL as string,
      MAIL_FROM: 'Kommentarer <no-reply@kommentarer.example.test>',
      MODERATOR_MAIL_EVERY_MS: String(24 * 3_600_000),
      DEADLINE_CHECK_EVERY_MS: String(24 * 3_600_000),
      EVENT_POLL_MS: '100',
    },
    { logger: createLogger('debug', {}, sink) },
  );
  await h.startWorkers();
});
afterAll(async () => {
  await h.close();
});

/** Every address these tests used, for the final look through the logs. */
const addresses: string[] = [];
function person(label: string) {
  const email = uniqueAddress(label);
  addresses.push(email);
  return { sub: `${label}-${email.slice(label.length + 1, label.length + 9)}`, name: `${label} Mejlsson`, email };
}

const mailPath = (site: TestSite) => `/api/v1/sites/${site.id}/me/mail`;
async function choose(site: TestSite, claims: Record<string, unknown>, choices: Record<string, unknown>) {
  return h.http
    .patch(mailPath(site))
    .set(await site.bearer(claims))
    .send(choices);
}

let causes = 0;
/**
 * The event the real cause wrote (the decision, the publication of a reply), found by its
 * type and comment; checks that it holds what the mail is made from. Answers its id.
 */
async function emit(type: EventType, site: TestSite, data: Record<string, string | string[] | null>) {
  const event = await eventually(() =>
    EventModel.findOne({ siteId: site.id, type, 'data.commentId': data.commentId }).lean(),
  );
  expect(event.data).toMatchObject(data);
  return event._id;
}
const dispatched = (eventId: string) =>
  eventually(async () => (await EventModel.findById(eventId).lean())?.state === 'dispatched');
const jobState = (eventId: string, kind: CommenterMailKind) =>
  h.services.jobQueues.of(commenterMailJob).state(commenterMailJob.jobId({ eventId, kind }));

async function publishedComment(site: TestSite, by: Record<string, unknown>, extra: Record<string, string> = {}) {
  return (
    await createComment(h, site, { by, until: 'published', threadUrl: 'https://www.example.se/artikel', ...extra })
  ).id;
}
async function replied(site: TestSite, parentId: string, by: Record<string, unknown>, body = 'Ett svar') {
  const reply = await publishedComment(site, by, { parentId, body });
  return { reply, eventId: await emit('comment.replied', site, { commentId: reply, parentId, thread: 't' }) };
}
/** A comment held in pre moderation, then decided by a moderator through the API. */
async function decidedByModerator(site: TestSite, by: Record<string, unknown>, action: 'approve' | 'reject') {
  const { id } = await createComment(h, site, { by, until: 'decided', body: `Vänta på mig ${++causes}` });
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/moderation/comments/${id}/decision`)
    .set(await site.bearer(MODERATOR))
    .send({ action, reason: 'test', ...(action === 'reject' ? { reasonId: 'utanfor_amnet' } : {}) });
  expect(res.status).toBe(200);
  const type = action === 'approve' ? 'comment.published' : 'comment.rejected';
  const data: Record<string, string | string[] | null> =
    action === 'approve'
      ? { commentId: id, thread: 't', parentId: null, status: 'published', by: 'moderator', rules: [] }
      : {
          commentId: id,
          thread: 't',
          parentId: null,
          status: 'rejected',
          by: 'moderator',
          reasonId: 'utanfor_amnet',
          rules: [],
        };
  return { id, eventId: await emit(type, site, data) };
}

function unsubscribeUrlOf(mail: ReceivedMail): URL {
  const header = mail.headers['List-Unsubscribe']?.[0] ?? '';
  const url = new URL(/^<(.+)>$/.exec(header)?.[1] ?? 'http://invalid/');
  expect(mail.text).toContain(url.href);
  return url;
}

describe('opting in', () => {
  it('when a commenter has not opted in, then no mail is queued or sent about replies or decisions', async () => {
    const site = await createSite(h, { moderation: { mode: 'pre' } });
    const author = person('quiet');
    const before = await h.http.get(mailPath(site)).set(await site.bearer(author));
    expect(before.body).toEqual({ mail: { offered: true, notOffered: null, replies: false, decisions: false } });
    const parent = await decidedByModerator(site, author, 'approve');
    const postSite = await createSite(h);
    const reply = await replied(postSite, await publishedComment(postSite, author), { sub: 'other-1', name: 'Other' });
    for (const [eventId, kind] of [
      [parent.eventId, 'published'],
      [reply.eventId, 'replied'],
    ] as const) {
      await dispatched(eventId);
      expect(await jobState(eventId, kind)).toBeUndefined();
    }
    expect(await mailsTo(author.email)).toHaveLength(0);
  });

  it('when the token has no email, or the site has commenter mails off, then mail is not offered and turning it on is 403 with the reason', async () => {
    const site = await createSite(h);
    const noEmail = { sub: 'no-email-1', name: 'Utan Adress' };
    expect((await h.http.get(mailPath(site)).set(await site.bearer(noEmail))).body.mail).toMatchObject({
      offered: false,
      notOffered: 'no_email',
    });
    const refused = await choose(site, noEmail, { replies: true });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'no_email' } });
    expect((await choose(site, noEmail, { replies: false })).status).toBe(200); // turning off always works

    const off = await createSite(h, { notifications: { commenterMails: false } });
    const someone = person('siteoff');
    const offRes = await choose(off, someone, { decisions: true });
    expect(offRes.status).toBe(403);
    expect(offRes.body.error.details).toEqual({ reason: 'site_off' });
  });

  it('when a subscriber’s site turns commenter mails off, then nothing is queued for them', async () => {
    const site = await createSite(h);
    const author = person('turnedoff');
    expect((await choose(site, author, { replies: true })).status).toBe(200);
    const parent = await publishedComment(site, author);
    await h.http
      .patch(`/api/v1/admin/sites/${site.id}`)
      .set(h.admin)
      .send({ notifications: { commenterMails: false } });
    // The site cache of this process: the consumer reads the site through it.
    await new Promise((r) => setTimeout(r, 5_100));
    const { eventId } = await replied(site, parent, { sub: 'other-2', name: 'Other' });
    await dispatched(eventId);
    expect(await jobState(eventId, 'replied')).toBeUndefined();
    expect(await mailsTo(author.email)).toHaveLength(0);
  });
});

describe.each(['sv', 'en'] as const)('mail in %s', (locale) => {
  const sv = locale === 'sv';

  it('when someone replies to a subscriber, then they get one mail with a link to the reply, nothing of its text or author, and the unsubscribe headers', async () => {
    const site = await createSite(h, { locale });
    const author = person(`replies-${locale}`);
    const replier = { sub: `replier-${locale}`, name: 'Hemliga Svararen' };
    expect((await choose(site, author, { replies: true })).body.mail).toMatchObject({
      replies: true,
      decisions: false,
    });
    const parent = await publishedComment(site, author);
    const { reply, eventId } = await replied(site, parent, replier, 'Hemlig svarstext');

    const mail = await mailTo(author.email, { timeoutMs: 10_000 });
    expect(mail.subject).toBe(sv ? 'Någon har svarat på din kommentar' : 'Someone replied to your comment');
    expect(mail.text).toContain(`https://www.example.se/artikel#kommentar-${reply}`);
    expect(mail.headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    expect(unsubscribeUrlOf(mail).pathname).toBe('/unsubscribe');
    for (const secret of ['Hemlig svarstext', replier.name, replier.sub, author.name, author.sub])
      expect(`${mail.subject}\n${mail.text}`).not.toContain(secret);

    // Handed out again, and the job run again: still one mail.
    const event = await EventModel.findById(eventId).lean();
    await commenterMailConsumer.take([event!], h.services, h.services.logger);
    expect(await commenterMailJob.handle({ eventId, kind: 'replied' }, h.services, h.services.logger)).toBe(
      'sent before',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await mailsTo(author.email)).toHaveLength(1);
  });

  it('when a moderator approves or rejects a subscriber’s comment, then they are told, with the site’s reason of a rejection and its ground', async () => {
    const site = await createSite(h, { locale, moderation: { mode: 'pre' } });
    const author = person(`decisions-${locale}`);
    expect((await choose(site, author, { decisions: true })).status).toBe(200);
    await decidedByModerator(site, author, 'approve');
    const published = await mailTo(author.email, { timeoutMs: 10_000 });
    expect(published.subject).toBe(sv ? 'Din kommentar är publicerad' : 'Your comment is published');
    await decidedByModerator(site, author, 'reject');
    const both = await eventually(async () => {
      const all = await mailsTo(author.email);
      return all.length === 2 ? all : undefined;
    });
    const rejected = both[1]!;
    expect(rejected.subject).toBe(sv ? 'Din kommentar publicerades inte' : 'Your comment was not published');
    expect(rejected.text).toContain(
      sv
        ? 'Skäl: Utanför ämnet (Kommentarsreglerna: håll dig till artikelns ämne.)'
        : 'Reason: Off topic (Kommentarsreglerna: håll dig till artikelns ämne.)',
    );
    expect(rejected.text).not.toContain('Vänta på mig');
  });

  it('when a moderator removes a subscriber’s comment and another decides their appeal, then they are told of both: the reason and how to appeal, then the outcome', async () => {
    const site = await createSite(h, { locale });
    const author = person(`appeal-${locale}`);
    expect((await choose(site, author, { decisions: true })).status).toBe(200);
    const id = await publishedComment(site, author, { body: 'Borttagen text som inte mejlas' });
    await h.http
      .delete(`/api/v1/comments/${id}?reasonId=olaga_hot`)
      .set(await site.bearer(MODERATOR))
      .expect(204);
    const removed = await mailTo(author.email, { timeoutMs: 10_000 });
    expect(removed.subject).toBe(sv ? 'Din kommentar har tagits bort' : 'Your comment was removed');
    expect(removed.text).toContain(sv ? 'Skäl: Olaga hot' : 'Reason: Unlawful threat');
    expect(removed.text).toContain(sv ? 'överklaga det inom 183 dagar' : 'appeal it within 183 days');
    expect(removed.text).toContain(`#kommentar-${id}`);
    const appeal = await h.http
      .post(`/api/v1/comments/${id}/appeal`)
      .set(await site.bearer(author))
      .send({ text: 'Det var inget hot.' });
    expect(appeal.status).toBe(201);
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/appeals/${appeal.body.appeal.id}/decision`)
      .set(await site.bearer({ sub: 'mod-2', name: 'Mats', roles: ['moderator'] }))
      .send({ outcome: 'reversed' })
      .expect(200);
    const mails = await eventually(async () => {
      const all = await mailsTo(author.email);
      return all.length === 3 ? all : undefined; // removed, appeal decided, published again
    });
    const subjects = mails.map((m) => m.subject);
    expect(subjects).toContain(sv ? 'Ditt överklagande har bifallits' : 'Your appeal was granted');
    for (const mail of mails) {
      expect(mail.text).not.toContain('Borttagen text som inte mejlas');
      expect(mail.text).not.toContain('Det var inget hot');
    }
  });
});

describe('what is not mailed', () => {
  it('when a subscriber replies to their own comment, then they get no mail about it', async () => {
    const site = await createSite(h);
    const author = person('selfreply');
    await choose(site, author, { replies: true });
    const parent = await publishedComment(site, author);
    const { eventId } = await replied(site, parent, author);
    await dispatched(eventId);
    expect(await jobState(eventId, 'replied')).toBeUndefined();
    expect(await commenterMailJob.handle({ eventId, kind: 'replied' }, h.services, h.services.logger)).toBe(
      'own reply',
    );
    expect(await mailsTo(author.email)).toHaveLength(0);
  });

  it('when a comment is published by the system right away, then its subscribed author gets no mail (they saw it at once)', async () => {
    const site = await createSite(h);
    const author = person('instant');
    await choose(site, author, { decisions: true });
    const id = await publishedComment(site, author);
    const eventId = await emit('comment.published', site, {
      commentId: id,
      thread: 't',
      parentId: null,
      status: 'published',
      by: 'system',
      rules: [],
    });
    await dispatched(eventId);
    expect(await jobState(eventId, 'published')).toBeUndefined();
  });
});

describe('unsubscribing', () => {
  async function subscribedWithMail(site: TestSite, label: string) {
    const author = person(label);
    await choose(site, author, { replies: true, decisions: true });
    const parent = await publishedComment(site, author);
    await replied(site, parent, { sub: `r-${label}`, name: 'R' });
    return { author, parent, url: unsubscribeUrlOf(await mailTo(author.email, { timeoutMs: 10_000 })) };
  }

  it('when the subscriber follows the link, then a page asks them, and its button ends the subscription', async () => {
    const site = await createSite(h);
    const { author, parent, url } = await subscribedWithMail(site, 'bylink');
    const target = `${url.pathname}${url.search}`;
    const pageRes = await h.http.get(target).set('Accept', 'text/html,application/xhtml+xml');
    expect(pageRes.status).toBe(200);
    expect(pageRes.headers['content-type']).toMatch(/^text\/html/);
    expect(pageRes.headers['cache-control']).toBe('no-store');
    expect(pageRes.text).toContain('Avsluta mejlen');
    expect(pageRes.text).not.toContain(author.email);
    const action = /<form method="post" action="([^"]+)">/.exec(pageRes.text)?.[1];
    expect(action).toBe(url.search.replace(/&/g, '&amp;'));
    const hidden = /name="([^"]+)" value="([^"]+)"/.exec(pageRes.text)!;

    const done = await h.http
      .post(`${url.pathname}${action!.replace(/&amp;/g, '&')}`)
      .set('Accept', 'text/html')
      .type('form')
      .send(`${hidden[1]}=${hidden[2]}`);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Du får inga fler mejl');
    expect((await h.http.get(mailPath(site)).set(await site.bearer(author))).body.mail).toMatchObject({
      replies: false,
      decisions: false,
    });
    const { eventId } = await replied(site, parent, { sub: 'after', name: 'After' });
    await dispatched(eventId);
    expect(await jobState(eventId, 'replied')).toBeUndefined();
    expect(await mailsTo(author.email)).toHaveLength(1);
  });

  it('when a mail client sends the RFC 8058 one-click POST, then the subscription ends, and sending it again is harmless', async () => {
    const site = await createSite(h, { locale: 'en' });
    const { author, url } = await subscribedWithMail(site, 'oneclick');
    const target = `${url.pathname}${url.search}`;
    const res = await h.http.post(target).type('form').send('List-Unsubscribe=One-Click');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ subscribed: false });
    expect(await MailSubscriptionModel.countDocuments({ siteId: site.id })).toBe(0);
    expect((await h.http.post(target).type('form').send('List-Unsubscribe=One-Click')).body).toEqual({
      subscribed: false,
    });
    const page = await h.http.get(target).set('Accept', 'text/html');
    expect(page.text).toContain('You will get no more mail');
    expect((await h.http.get(mailPath(site)).set(await site.bearer(author))).body.mail.replies).toBe(false);
  });

  it('when a token is forged or malformed, then 404 or 400 in the error shape, and nothing ends', async () => {
    const site = await createSite(h);
    const { url } = await subscribedWithMail(site, 'forged');
    const token = url.searchParams.get('token')!;
    const [id] = token.split('.');
    const forged = `${id}.${'A'.repeat(43)}`;
    for (const bad of [forged, `msub_${'x'.repeat(22)}.${token.split('.')[1]}`]) {
      const post = await h.http
        .post('/unsubscribe')
        .query({ token: bad })
        .type('form')
        .send('List-Unsubscribe=One-Click');
      expect(post.status).toBe(404);
      expect(post.body.error.code).toBe('NOT_FOUND');
      const page = await h.http.get('/unsubscribe').query({ token: bad }).set('Accept', 'text/html');
      expect(page.status).toBe(404);
      expect(page.text).toContain('Länken är ogiltig');
    }
    for (const bad of ['', 'x', `${token}x`, 'a.b', `${token}&token=${token}`]) {
      const res = await h.http
        .post(`/unsubscribe?token=${encodeURIComponent(bad)}`)
        .type('form')
        .send('');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await h.http.post('/unsubscribe').type('form').send('List-Unsubscribe=One-Click')).status).toBe(400);
    expect(await MailSubscriptionModel.countDocuments({ siteId: site.id })).toBe(1);
  });
});

describe('bad input on the new endpoints', () => {
  it('when the choices are malformed, sent as another type or without a login, then a 4xx from the contract', async () => {
    const site = await createSite(h);
    const claims = person('badinput');
    const auth = await site.bearer(claims);
    for (const [body, status] of [
      [{}, 400],
      [{ replies: 'yes' }, 400],
      [{ replies: true, address: 'x@example.se' }, 400],
      [{ $set: { replies: true } }, 400],
      [[true], 400],
    ] as const) {
      const res = await h.http
        .patch(mailPath(site))
        .set(auth)
        .send(body as object);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code: 'VALIDATION_FAILED' });
    }
    expect((await h.http.patch(mailPath(site)).set(auth).type('form').send('replies=true')).status).toBe(415);
    expect((await h.http.patch(mailPath(site)).send({ replies: true })).body.error.code).toBe('LOGIN_REQUIRED');
    expect((await h.http.get(mailPath(site))).status).toBe(401);
    expect((await h.http.get('/api/v1/sites/no-such-site/me/mail').set(auth)).status).toBe(404);
    expect(
      (await h.http.post('/unsubscribe?token=a.b').set('Content-Type', 'application/json').send('{}')).status,
    ).toBe(415);
    const repeated = await h.http.post('/unsubscribe?token=a.b').type('form').send('List-Unsubscribe=x');
    expect(repeated.status).toBe(400);
  });
});

describe('privacy', () => {
  it('when a subscriber exports their data, then the subscription and the mail sent are there; after erasure neither, nor the address or its hash, is anywhere', async () => {
    const site = await createSite(h);
    const author = person('erased');
    await choose(site, author, { replies: true });
    const parent = await publishedComment(site, author);
    await replied(site, parent, { sub: 'r-erased', name: 'R' });
    await mailTo(author.email, { timeoutMs: 10_000 });
    const subscription = await MailSubscriptionModel.findOne({ siteId: site.id }).lean();
    expect(await SentMailModel.countDocuments({ siteId: site.id, commenterId: subscription!.commenterId })).toBe(1);

    const exported = await h.http.get(`/api/v1/sites/${site.id}/me/export`).set(await site.bearer(author));
    expect(exported.body.mailSubscriptions).toEqual([
      expect.objectContaining({ replies: true, decisions: false, createdAt: expect.any(String) }),
    ]);
    expect(exported.body.mailSent).toEqual([expect.objectContaining({ kind: 'commenter_replied' })]);

    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(author));
    const request = await completed(res.body.id);
    expect(request.receipt).toMatchObject({ mail_subscriptions: 1, mail_sent_records: 1 });
    const storage = await rawStorage(h);
    for (const value of [
      author.email,
      author.sub,
      author.name,
      keyedHash(h.config.IP_HASH_SECRET, author.email),
      subscription!._id,
    ])
      expect(storage).not.toContain(value);
  });

  it('when sending fails, then the job is retried and the log names the error, never the address', async () => {
    const site = await createSite(h);
    const author = person('smtpdown');
    await choose(site, author, { replies: true });
    const parent = await publishedComment(site, author);
    const { eventId } = await replied(site, parent, { sub: 'r-down', name: 'R' });
    await mailTo(author.email, { timeoutMs: 10_000 });
    await SentMailModel.deleteMany({ siteId: site.id });
    const broken = new Mailer('smtp://127.0.0.1:9', 'x@example.test');
    await expect(
      commenterMailJob.handle({ eventId, kind: 'replied' }, { ...h.services, mailer: broken }, h.services.logger),
    ).rejects.toBeDefined();
    broken.close();
    expect(logLines.join('\n')).toContain('commenter mail not sent; will retry');
  });

  it('when all of the above ran, then no log line holds an address, a name or a host user id of theirs', () => {
    const all = logLines.join('\n');
    expect(all).toContain('commenter mails queued');
    for (const address of addresses) expect(all).not.toContain(address);
    expect(all).not.toContain('Mejlsson');
  });
});
