import type { Types } from 'mongoose';
import { keyedHash } from '../../infra/keyed-hash';
import type { Mailer, OutgoingMail } from '../../infra/mailer';
import { isDuplicateKey } from '../../infra/mongo';
import { SentMailModel } from './sent-mail.model';

/**
 * Sends `mail` unless a mail with the same subject matter (`about`) has gone to the same
 * recipient before. The record is claimed before sending, so a rerun never sends twice;
 * if sending fails the claim is given back and the error thrown, for the job to retry.
 * A worker killed between the claim and the send loses that one mail rather than
 * sending it twice: for notices to staff, once at most is the better failure.
 */
export async function sendOnce(
  mailer: Mailer,
  secret: string,
  record: { siteId: string; kind: string; about: string; commenterId?: Types.ObjectId },
  mail: OutgoingMail,
): Promise<'sent' | 'sent before'> {
  const _id = `${record.kind}:${record.about}:${keyedHash(secret, mail.to)}`;
  try {
    await SentMailModel.create({
      _id,
      siteId: record.siteId,
      kind: record.kind,
      at: new Date(),
      commenterId: record.commenterId ?? null,
    });
  } catch (err) {
    if (isDuplicateKey(err)) return 'sent before';
    throw err;
  }
  try {
    await mailer.send(mail);
    return 'sent';
  } catch (err) {
    await SentMailModel.deleteOne({ _id });
    throw err;
  }
}

/** sendOnce for each of `recipients` with the same mail; answers how many were sent now. */
export async function sendToEach(
  mailer: Mailer,
  secret: string,
  record: { siteId: string; kind: string; about: string },
  recipients: readonly string[],
  mail: Omit<OutgoingMail, 'to'>,
): Promise<number> {
  let sent = 0;
  for (const to of recipients) if ((await sendOnce(mailer, secret, record, { to, ...mail })) === 'sent') sent++;
  return sent;
}
