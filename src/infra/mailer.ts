import { createTransport, Transporter } from 'nodemailer';

/** One message as the service sends it: plain text, to one recipient. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

/**
 * The SMTP connection (SMTP_URL) and the sender (MAIL_FROM). Without SMTP_URL there is no
 * Mailer and nothing is sent (container.ts). Errors come back as they are; callers log
 * them by name only: an SMTP error can quote the recipient's address.
 */
export class Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(smtpUrl);
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...mail });
  }

  close(): void {
    this.transport.close();
  }
}
