import type { Language } from '../../shared/messages';

/**
 * The texts of every mail the service sends, Swedish first. What a mail may hold is the
 * point of this file: a mailbox is a copy of whatever it received that no erasure can
 * reach, so no mail holds a comment's text, a commenter's name or e-mail address, or an IP
 * hash. Moderators and privacy contacts get counts, ages, ids and links to where the
 * service shows the rest behind a login; a commenter gets what happened to their own
 * comment and a link to it.
 */
export interface MailText {
  subject: string;
  text: string;
}

export type MailKind =
  | { kind: 'held'; site: string; moderateUrl: string; queue: string }
  | { kind: 'reported'; site: string; moderateUrl: string }
  | { kind: 'digest'; site: string; moderateUrl: string; waiting: number; oldestMinutes: number }
  | { kind: 'erasure_due_soon'; site: string; requestId: string; daysLeft: number }
  | { kind: 'erasure_overdue'; site: string; requestId: string; daysOver: number }
  | { kind: 'erasure_failed'; site: string; requestId: string }
  | { kind: 'replied'; site: string; commentUrl: string }
  | { kind: 'published'; site: string; commentUrl: string }
  | { kind: 'rejected'; site: string; reason: string; appealDays: number }
  | { kind: 'removed'; site: string; reason: string; appealDays: number; commentUrl: string }
  | { kind: 'appeal_decided'; site: string; outcome: 'upheld' | 'reversed'; reason: string | null; commentUrl: string }
  | { kind: 'webhook_disabled'; site: string; webhookId: string; host: string; failingHours: number };

/** "1 kommentar" / "3 kommentarer": Swedish and English both have one form for one and one for the rest. */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const FOOTER: Record<Language, string> = {
  sv: 'Det här meddelandet skickades av Kommentarer. Det innehåller inga kommentarstexter eller namn.',
  en: 'This message was sent by Kommentarer. It holds no comment texts or names.',
};

const UNSUBSCRIBE: Record<Language, string> = {
  sv: 'Vill du inte få fler sådana meddelanden? Avsluta här:',
  en: 'No more messages like this? Unsubscribe here:',
};

function body(language: Language, lines: string[], unsubscribeUrl?: string): string {
  const tail = unsubscribeUrl ? ['', UNSUBSCRIBE[language], unsubscribeUrl] : [];
  return [...lines, '', FOOTER[language], ...tail].join('\n');
}

/** The subject and plain text of `mail` in `language`; `unsubscribeUrl` goes at the end when given. */
/** How to contest a decision, in a mail that tells of it. */
function appealLine(language: Language, days: number): string {
  return language === 'sv'
    ? `Tycker du att beslutet är fel kan du överklaga det inom ${days} dagar, vid kommentaren på sidan (logga in först).`
    : `If you think the decision is wrong, you can appeal it within ${days} days, beside the comment on the page (log in first).`;
}

export function mailText(mail: MailKind, language: Language, unsubscribeUrl?: string): MailText {
  const sv = language === 'sv';
  const text = (subject: string, lines: string[]): MailText => ({
    subject,
    text: body(language, lines, unsubscribeUrl),
  });
  switch (mail.kind) {
    case 'held':
      return sv
        ? text(`En kommentar väntar på granskning (${mail.site})`, [
            `En ny kommentar på ${mail.site} har hamnat i kön "${mail.queue}" och väntar på ett beslut.`,
            `Granska den här: ${mail.moderateUrl}`,
          ])
        : text(`A comment is waiting for review (${mail.site})`, [
            `A new comment on ${mail.site} is in the "${mail.queue}" queue, waiting for a decision.`,
            `Review it here: ${mail.moderateUrl}`,
          ]);
    case 'reported':
      return sv
        ? text(`En kommentar har anmälts (${mail.site})`, [
            `En kommentar på ${mail.site} har fått så många anmälningar att den behöver granskas.`,
            `Granska den här: ${mail.moderateUrl}`,
          ])
        : text(`A comment was reported (${mail.site})`, [
            `A comment on ${mail.site} has been reported often enough to need a review.`,
            `Review it here: ${mail.moderateUrl}`,
          ]);
    case 'digest': {
      const subject = sv
        ? `${count(mail.waiting, 'kommentar väntar', 'kommentarer väntar')}, den äldsta sedan ${count(mail.oldestMinutes, 'minut', 'minuter')}`
        : `${count(mail.waiting, 'comment is waiting', 'comments are waiting')}, the oldest for ${count(mail.oldestMinutes, 'minute', 'minutes')}`;
      return text(`${subject} (${mail.site})`, [
        sv ? `På ${mail.site}: ${subject}.` : `On ${mail.site}: ${subject}.`,
        sv ? `Granska dem här: ${mail.moderateUrl}` : `Review them here: ${mail.moderateUrl}`,
      ]);
    }
    case 'erasure_due_soon':
      return sv
        ? text(`Begäran om radering ska vara klar om ${count(mail.daysLeft, 'dag', 'dagar')} (${mail.site})`, [
            `Begäran ${mail.requestId} om radering av personuppgifter på ${mail.site} är inte klar.`,
            `Enligt GDPR ska den vara klar inom 30 dagar: det är ${count(mail.daysLeft, 'dag', 'dagar')} kvar.`,
          ])
        : text(`Erasure request due in ${count(mail.daysLeft, 'day', 'days')} (${mail.site})`, [
            `Erasure request ${mail.requestId} on ${mail.site} has not completed.`,
            `Under the GDPR it must be done within 30 days: ${count(mail.daysLeft, 'day', 'days')} remain.`,
          ]);
    case 'erasure_overdue':
      return sv
        ? text(`Begäran om radering är försenad (${mail.site})`, [
            `Begäran ${mail.requestId} om radering av personuppgifter på ${mail.site} har passerat 30-dagarsgränsen med ${count(mail.daysOver, 'dag', 'dagar')}.`,
          ])
        : text(`Erasure request overdue (${mail.site})`, [
            `Erasure request ${mail.requestId} on ${mail.site} is ${count(mail.daysOver, 'day', 'days')} past its 30-day deadline.`,
          ]);
    case 'erasure_failed':
      return sv
        ? text(`Begäran om radering misslyckades (${mail.site})`, [
            `Begäran ${mail.requestId} om radering av personuppgifter på ${mail.site} har misslyckats och behöver åtgärdas.`,
          ])
        : text(`Erasure request failed (${mail.site})`, [
            `Erasure request ${mail.requestId} on ${mail.site} has failed and needs attention.`,
          ]);
    case 'replied':
      return sv
        ? text(`Någon har svarat på din kommentar`, [
            `Någon har svarat på din kommentar på ${mail.site}.`,
            `Läs svaret här: ${mail.commentUrl}`,
          ])
        : text(`Someone replied to your comment`, [
            `Someone replied to your comment on ${mail.site}.`,
            `Read the reply here: ${mail.commentUrl}`,
          ]);
    case 'published':
      return sv
        ? text(`Din kommentar är publicerad`, [
            `Din kommentar på ${mail.site} är nu publicerad.`,
            `Se den här: ${mail.commentUrl}`,
          ])
        : text(`Your comment is published`, [
            `Your comment on ${mail.site} is now published.`,
            `See it here: ${mail.commentUrl}`,
          ]);
    case 'rejected':
      return sv
        ? text(`Din kommentar publicerades inte`, [
            `Din kommentar på ${mail.site} publicerades inte.`,
            `Skäl: ${mail.reason}`,
            appealLine(language, mail.appealDays),
          ])
        : text(`Your comment was not published`, [
            `Your comment on ${mail.site} was not published.`,
            `Reason: ${mail.reason}`,
            appealLine(language, mail.appealDays),
          ]);
    case 'removed':
      return sv
        ? text(`Din kommentar har tagits bort`, [
            `En moderator på ${mail.site} har tagit bort din kommentar. Bara du ser den nu: ${mail.commentUrl}`,
            `Skäl: ${mail.reason}`,
            appealLine(language, mail.appealDays),
          ])
        : text(`Your comment was removed`, [
            `A moderator on ${mail.site} removed your comment. Only you see it now: ${mail.commentUrl}`,
            `Reason: ${mail.reason}`,
            appealLine(language, mail.appealDays),
          ]);
    case 'appeal_decided':
      if (mail.outcome === 'reversed')
        return sv
          ? text(`Ditt överklagande har bifallits`, [
              `En annan moderator på ${mail.site} har prövat ditt överklagande och ändrat beslutet. Din kommentar är publicerad igen: ${mail.commentUrl}`,
            ])
          : text(`Your appeal was granted`, [
              `Another moderator on ${mail.site} reviewed your appeal and changed the decision. Your comment is published again: ${mail.commentUrl}`,
            ]);
      return sv
        ? text(`Ditt överklagande har prövats`, [
            `En annan moderator på ${mail.site} har prövat ditt överklagande. Beslutet står fast: ${mail.commentUrl}`,
            ...(mail.reason ? [`Skäl: ${mail.reason}`] : []),
          ])
        : text(`Your appeal was reviewed`, [
            `Another moderator on ${mail.site} reviewed your appeal. The decision stands: ${mail.commentUrl}`,
            ...(mail.reason ? [`Reason: ${mail.reason}`] : []),
          ]);
    case 'webhook_disabled':
      return sv
        ? text(`En webhook har stängts av (${mail.site})`, [
            `Webhooken ${mail.webhookId} till ${mail.host} på ${mail.site} har inte tagit emot några händelser på ${count(mail.failingHours, 'timme', 'timmar')} och har stängts av.`,
            'Leveranser som inte kom fram syns i dess leveranslogg. Slå på den igen (PATCH enabled: true) när mottagaren fungerar.',
          ])
        : text(`A webhook was disabled (${mail.site})`, [
            `Webhook ${mail.webhookId} to ${mail.host} on ${mail.site} has not accepted any event for ${count(mail.failingHours, 'hour', 'hours')} and was disabled.`,
            'Deliveries that did not arrive are in its delivery log. Enable it again (PATCH enabled: true) once the receiver works.',
          ]);
  }
}
