import { createTransport, Transporter } from 'nodemailer';
import { mailsTo, mailTo, uniqueAddress } from './helpers/mailpit';

// The tests' SMTP server (Mailpit from the global setup, or SMTP_TEST_URL) end to end:
// what nodemailer sends is what the helpers read back, encoded headers and all.
describe('the test SMTP server', () => {
  let transport: Transporter;

  beforeAll(() => {
    transport = createTransport(process.env.SMTP_TEST_URL);
  });

  afterAll(() => {
    transport.close();
  });

  it('when a message with a Swedish subject and one-click unsubscribe headers is sent, then it arrives as sent', async () => {
    const to = uniqueAddress('anna');
    const unsubscribe = '<https://kommentarer.example.test/unsubscribe/abc123>';
    await transport.sendMail({
      from: 'Kommentarer <no-reply@kommentarer.example.test>',
      to,
      subject: 'Svar på din kommentar: “Räksmörgås åt Östen”',
      text: 'Någon har svarat på din kommentar.\nLäs svaret på sidan.',
      headers: {
        'List-Unsubscribe': unsubscribe,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });

    const mail = await mailTo(to);
    expect(mail.subject).toBe('Svar på din kommentar: “Räksmörgås åt Östen”');
    expect(mail.from).toBe('no-reply@kommentarer.example.test');
    expect(mail.to).toEqual([to]);
    expect(mail.text.trim()).toBe('Någon har svarat på din kommentar.\nLäs svaret på sidan.');
    expect(mail.headers['List-Unsubscribe']).toEqual([unsubscribe]);
    expect(mail.headers['List-Unsubscribe-Post']).toEqual(['List-Unsubscribe=One-Click']);
    // Sent once, received once: a test reads its own recipient's mail and nothing else.
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it('when nothing is sent to an address, then waiting for its mail fails after the timeout', async () => {
    await expect(mailTo(uniqueAddress('nobody'), { timeoutMs: 200 })).rejects.toThrow(/no mail to nobody-/);
  });
});
