import { z } from 'zod';
import type { AppConfig } from '../../../config/env';
import type { JobDefinition } from '../../infra/job-definition';
import type { Logger } from '../../infra/logger';
import type { Mailer } from '../../infra/mailer';
import { CommentModel } from '../comments/comment.model';
import { reportedCommentIds } from '../moderation/review-queues.service';
import { ReportModel } from '../reports/report.model';
import { SiteModel } from '../sites/site.model';
import type { SiteConfig } from '../sites/site.schemas';
import { MailKind, mailText } from './mail-texts';
import { sendToEach } from './send-once';
import { SentMailModel } from './sent-mail.model';

export const moderatorMailPayload = z.object({ run: z.literal('moderator-mail') }).strict();
export type ModeratorMailPayload = z.infer<typeof moderatorMailPayload>;

interface ModeratorMailDeps {
  config: Pick<AppConfig, 'IP_HASH_SECRET' | 'PUBLIC_URL' | 'MODERATOR_MAIL_EVERY_MS'>;
  mailer: Mailer | undefined;
  logger: Logger;
}

/** Most comments one run tells a site's moderators about one by one; the rest wait for the next run. */
const PER_RUN = 100;

interface Waiting {
  id: string;
  queue: 'pending' | 'reported';
}

/**
 * The comments waiting for a person on a site (held ones, newest first, and published ones
 * reported often enough), how many there are, and since when the oldest has waited.
 */
async function waitingOn(
  siteId: string,
  config: SiteConfig,
): Promise<{ items: Waiting[]; count: number; since: Date | null }> {
  const heldFilter = { siteId, status: 'pending', held: true };
  const [held, heldCount, oldestHeld, reported] = await Promise.all([
    CommentModel.find(heldFilter, { _id: 1 }).sort({ createdAt: -1 }).limit(PER_RUN).lean(),
    CommentModel.countDocuments(heldFilter),
    CommentModel.findOne(heldFilter, { createdAt: 1 }).sort({ createdAt: 1 }).lean(),
    reportedCommentIds(siteId, config.moderation.reportThreshold),
  ]);
  // A reported comment has waited since its oldest open report ($min is not on FerretDB).
  const firstReport = reported.length
    ? await ReportModel.findOne({ siteId, resolved: false, commentId: { $in: reported } })
        .sort({ createdAt: 1 })
        .lean()
    : null;
  const times = [oldestHeld?.createdAt, firstReport?.createdAt].filter((t): t is Date => !!t);
  return {
    items: [
      ...held.map((c) => ({ id: String(c._id), queue: 'pending' as const })),
      ...reported.slice(0, PER_RUN).map((id) => ({ id: String(id), queue: 'reported' as const })),
    ],
    count: heldCount + reported.length,
    since: times.length ? new Date(Math.min(...times.map((t) => t.getTime()))) : null,
  };
}

/** True when the site's moderators got a digest less than `minutes` ago. */
async function digestSentWithin(siteId: string, minutes: number, now: number): Promise<boolean> {
  return !!(await SentMailModel.exists({ siteId, kind: 'digest', at: { $gt: new Date(now - minutes * 60_000) } }));
}

/**
 * Tells each site's moderators (notifications.moderators) what waits for them: in mode
 * `immediate` one mail per held or reported comment, in mode `digest` one mail every
 * `digestMinutes` while anything waits ("3 kommentarer väntar, den äldsta sedan 42
 * minuter"). The review queues in the database are the record of what waits, so a run
 * that was missed loses nothing; each mail is sent once per comment (or digest period)
 * and moderator however often this runs (send-once.ts). No mail holds a comment's text
 * or its author's name: the link leads to /moderate, behind the moderator's login.
 */
export const moderatorMailJob: JobDefinition<ModeratorMailPayload, ModeratorMailDeps> = {
  name: 'moderator-mail',
  payload: moderatorMailPayload,
  concurrency: () => 1,
  repeat: { every: (config) => config.MODERATOR_MAIL_EVERY_MS, payload: { run: 'moderator-mail' } },
  handle: async (_payload, deps) => {
    if (!deps.mailer) return 'mail off';
    const now = Date.now();
    const sites = await SiteModel.find(
      { 'config.notifications.moderators.mode': { $in: ['immediate', 'digest'] } },
      { config: 1 },
    ).lean();
    let sent = 0;
    for (const site of sites) {
      const config = site.config as SiteConfig;
      const { emails, mode, digestMinutes } = config.notifications.moderators;
      if (emails.length === 0) continue;
      const { items: waiting, count, since } = await waitingOn(site._id, config);
      const moderateUrl = `${deps.config.PUBLIC_URL}/moderate#site=${encodeURIComponent(site._id)}&lang=${config.locale}`;
      const mails: Array<{ about: string; mail: MailKind }> = [];
      if (mode === 'immediate') {
        for (const w of waiting)
          mails.push({
            about: w.id,
            mail:
              w.queue === 'pending'
                ? { kind: 'held', site: config.name, moderateUrl, queue: w.queue }
                : { kind: 'reported', site: config.name, moderateUrl },
          });
      } else if (count > 0 && since && !(await digestSentWithin(site._id, digestMinutes, now))) {
        // Keyed by period as well, so that two runs at once send one digest.
        const period = Math.floor(now / (digestMinutes * 60_000));
        mails.push({
          about: `${site._id}:${period}`,
          mail: {
            kind: 'digest',
            site: config.name,
            moderateUrl,
            waiting: count,
            oldestMinutes: Math.max(1, Math.floor((now - since.getTime()) / 60_000)),
          },
        });
      }
      for (const { about, mail } of mails)
        sent += await sendToEach(
          deps.mailer,
          deps.config.IP_HASH_SECRET as string,
          { siteId: site._id, kind: mail.kind, about },
          emails,
          mailText(mail, config.locale),
        );
    }
    if (sent > 0) deps.logger.info({ mails: sent }, 'moderators told of waiting comments');
    return sent > 0 ? 'sent' : 'nothing to send';
  },
};
