import { createTransport } from 'nodemailer';
import { mailText, MailKind } from '../src/modules/notifications/mail-texts';
import {
  listUnsubscribeHeaders,
  subscriptionOfToken,
  unsubscribeToken,
} from '../src/modules/notifications/unsubscribe-link';
import { mailTo, uniqueAddress } from './helpers/mailpit';

const moderate = 'https://kommentarer.example/moderate?site=myndigheten';
const comment = 'https://blogg.example/artikel/1#kommentar-65a1b2c3d4e5f60718293a4b';
const every: MailKind[] = [
  { kind: 'held', site: 'myndigheten', moderateUrl: moderate, queue: 'pending' },
  { kind: 'reported', site: 'myndigheten', moderateUrl: moderate },
  { kind: 'digest', site: 'myndigheten', moderateUrl: moderate, waiting: 3, oldestMinutes: 42 },
  { kind: 'erasure_due_soon', site: 'myndigheten', requestId: 'e1', daysLeft: 7 },
  { kind: 'erasure_overdue', site: 'myndigheten', requestId: 'e1', daysOver: 1 },
  { kind: 'erasure_failed', site: 'myndigheten', requestId: 'e1' },
  { kind: 'replied', site: 'myndigheten', commentUrl: comment },
  { kind: 'published', site: 'myndigheten', commentUrl: comment },
  { kind: 'rejected', site: 'myndigheten', reason: 'Personuppgifter om någon annan', appealDays: 183 },
  { kind: 'removed', site: 'myndigheten', reason: 'Olaga hot', appealDays: 183, commentUrl: comment },
  { kind: 'appeal_decided', site: 'myndigheten', outcome: 'reversed', reason: null, commentUrl: comment },
  { kind: 'appeal_decided', site: 'myndigheten', outcome: 'upheld', reason: 'Olaga hot', commentUrl: comment },
  { kind: 'webhook_disabled', site: 'myndigheten', webhookId: 'wh_1', host: 'hooks.example.se', failingHours: 72 },
];

describe('mail texts', () => {
  it('when a digest is written, then it counts in Swedish and English, singular and plural', () => {
    const digest = (waiting: number, oldestMinutes: number, language: 'sv' | 'en') =>
      mailText({ kind: 'digest', site: 's', moderateUrl: moderate, waiting, oldestMinutes }, language).subject;
    expect(digest(3, 42, 'sv')).toBe('3 kommentarer väntar, den äldsta sedan 42 minuter (s)');
    expect(digest(1, 1, 'sv')).toBe('1 kommentar väntar, den äldsta sedan 1 minut (s)');
    expect(digest(3, 42, 'en')).toBe('3 comments are waiting, the oldest for 42 minutes (s)');
    expect(digest(1, 1, 'en')).toBe('1 comment is waiting, the oldest for 1 minute (s)');
  });

  it.each(every.map((mail) => ['outcome' in mail ? `${mail.kind} (${mail.outcome})` : mail.kind, mail] as const))(
    'when a %s mail is written, then both languages have a subject, the link, the footer and the unsubscribe link at the end',
    (_kind, mail) => {
      const sv = mailText(mail, 'sv', 'https://k.example/u?token=t');
      const en = mailText(mail, 'en', 'https://k.example/u?token=t');
      expect(sv.subject).not.toBe(en.subject);
      expect(sv.text).toContain('inga kommentarstexter eller namn');
      expect(en.text).toContain('no comment texts or names');
      for (const written of [sv, en]) {
        expect(written.text.trimEnd().endsWith('https://k.example/u?token=t')).toBe(true);
        const link = 'moderateUrl' in mail ? mail.moderateUrl : 'commentUrl' in mail ? mail.commentUrl : undefined;
        if (link) expect(written.text).toContain(link);
        if ('requestId' in mail) expect(written.text).toContain(mail.requestId);
        if ('appealDays' in mail) expect(written.text).toContain(`${mail.appealDays}`);
      }
      expect(mailText(mail, 'sv').text).not.toContain('Avsluta');
    },
  );
});

describe('unsubscribe links', () => {
  const secret = 'unsubscribe-test-secret-0123456789';

  it('when a token is made, then it names its subscription and verifies only with the same secret', () => {
    const token = unsubscribeToken(secret, '65a1b2c3d4e5f60718293a4b');
    expect(subscriptionOfToken(secret, token)).toBe('65a1b2c3d4e5f60718293a4b');
    expect(subscriptionOfToken('another-secret-0123456789abcdef', token)).toBeUndefined();
  });

  it('when a token is altered or made up, then it names no subscription', () => {
    const token = unsubscribeToken(secret, 'abc');
    const [id, mac] = token.split('.') as [string, string];
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    for (const bad of [`${id}.${flipped}`, `abd.${mac}`, '', 'abc', `${token}x`, `${id}..${mac}`, `ab c.${mac}`])
      expect(subscriptionOfToken(secret, bad)).toBeUndefined();
  });

  it('when a mail offers one-click unsubscribing, then it has both RFC 8058 headers', () => {
    expect(listUnsubscribeHeaders('https://k.example/u?token=t')).toEqual({
      'List-Unsubscribe': '<https://k.example/u?token=t>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });
});

describe('mail texts through a real SMTP server', () => {
  it('when a Swedish digest and an English rejection are sent with their unsubscribe headers, then Mailpit receives them as written', async () => {
    const transport = createTransport(process.env.SMTP_TEST_URL);
    try {
      const secret = 'unsubscribe-test-secret-0123456789';
      for (const [mail, language] of [
        [every[2]!, 'sv'],
        [every[8]!, 'en'],
      ] as const) {
        const to = uniqueAddress(mail.kind);
        const link = `https://kommentarer.example.test/api/v1/unsubscribe?token=${unsubscribeToken(secret, 'abc123')}`;
        const written = mailText(mail, language, link);
        await transport.sendMail({
          from: 'Kommentarer <no-reply@kommentarer.example.test>',
          to,
          subject: written.subject,
          text: written.text,
          headers: listUnsubscribeHeaders(link),
        });
        const received = await mailTo(to);
        expect(received.subject).toBe(written.subject);
        expect(received.text.trim()).toBe(written.text.trim());
        expect(received.headers['List-Unsubscribe']).toEqual([`<${link}>`]);
        expect(received.headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
      }
    } finally {
      transport.close();
    }
  });
});
