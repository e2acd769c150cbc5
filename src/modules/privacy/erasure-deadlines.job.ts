import { z } from 'zod';
import type { AppConfig } from '../../../config/env';
import type { JobDefinition } from '../../infra/job-definition';
import type { Logger } from '../../infra/logger';
import type { Mailer } from '../../infra/mailer';
import { MailKind, mailText } from '../notifications/mail-texts';
import { sendToEach } from '../notifications/send-once';
import type { SiteService } from '../sites/site.service';
import { ErasureRequestModel } from './erasure-request.model';
import type { ErasureQueue } from './erasure.queue';
import { recordEvents } from '../events/record-events';

export const deadlinesPayload = z.object({ run: z.literal('erasure-deadlines') }).strict();
export type DeadlinesPayload = z.infer<typeof deadlinesPayload>;

interface DeadlinesJobDeps {
  config: Pick<AppConfig, 'IP_HASH_SECRET'>;
  mailer: Mailer | undefined;
  sites: SiteService;
  erasureQueue: ErasureQueue;
  logger: Logger;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A privacy contact hears of an open request this long before its 30-day deadline. */
export const WARN_BEFORE_DAYS = 7;
/**
 * An erasure whose job has failed this many attempts is reported as failing. The job
 * keeps retrying with backoff (20 attempts, days in all), so it would otherwise only
 * show when it runs into the deadline.
 */
export const FAILING_AFTER_ATTEMPTS = 3;

/**
 * Tells each site's privacy contacts about erasure requests that are not done a week
 * before their deadline, again once they are past it, and about an erasure whose job
 * keeps failing (FAILING_AFTER_ATTEMPTS): an erasure that has stalled
 * (a failing worker, a paused queue) must not run into the GDPR's month unnoticed. Each
 * contact gets each of these mails once per request (send-once.ts), however often this
 * runs; a failed send is retried by the queue.
 */
export const erasureDeadlinesJob: JobDefinition<DeadlinesPayload, DeadlinesJobDeps> = {
  name: 'erasure-deadlines',
  payload: deadlinesPayload,
  concurrency: () => 1,
  repeat: { every: (config) => config.DEADLINE_CHECK_EVERY_MS, payload: { run: 'erasure-deadlines' } },
  handle: async (_payload, deps) => {
    const now = Date.now();
    // The feed hears of every overdue request, mail or no mail (once per request).
    const overdue = await ErasureRequestModel.find({
      status: { $in: ['scheduled', 'running'] },
      dueAt: { $lte: new Date(now) },
    })
      .select({ siteId: 1, dueAt: 1 })
      .lean();
    await recordEvents(
      overdue.map((r) => ({
        type: 'erasure.overdue' as const,
        siteId: r.siteId,
        cause: `overdue:${String(r._id)}`,
        data: { requestId: String(r._id), dueAt: r.dueAt.toISOString() },
      })),
    );
    if (!deps.mailer) return 'mail off';
    let sent = 0;
    const tell = async (siteId: string, requestId: string, mail: (site: string) => MailKind) => {
      const site = await deps.sites.find(siteId);
      // Sites stored before notifications existed have none.
      const contacts = site?.config.notifications?.privacyContacts ?? [];
      if (!site || contacts.length === 0) return;
      const about = mail(site.config.name);
      sent += await sendToEach(
        deps.mailer!,
        deps.config.IP_HASH_SECRET as string,
        { siteId: site.id, kind: about.kind, about: requestId },
        contacts,
        mailText(about, site.config.locale),
      );
    };
    const running = await ErasureRequestModel.find({ status: 'running' }).select({ siteId: 1, subjectRef: 1 }).lean();
    for (const request of running) {
      if ((await deps.erasureQueue.failedAttempts(request.siteId, request.subjectRef)) < FAILING_AFTER_ATTEMPTS)
        continue;
      const requestId = String(request._id);
      await tell(request.siteId, requestId, (site) => ({ kind: 'erasure_failed', site, requestId }));
    }
    const open = await ErasureRequestModel.find({
      status: { $in: ['scheduled', 'running'] },
      dueAt: { $lte: new Date(now + WARN_BEFORE_DAYS * DAY_MS) },
    })
      .select({ siteId: 1, dueAt: 1 })
      .lean();
    for (const request of open) {
      const overdue = request.dueAt.getTime() <= now;
      const days = Math.max(1, Math.ceil(Math.abs(request.dueAt.getTime() - now) / DAY_MS));
      const requestId = String(request._id);
      await tell(request.siteId, requestId, (site) =>
        overdue
          ? { kind: 'erasure_overdue', site, requestId, daysOver: days }
          : { kind: 'erasure_due_soon', site, requestId, daysLeft: days },
      );
    }
    if (sent > 0) deps.logger.info({ mails: sent }, 'privacy contacts told of erasure deadlines');
    return sent > 0 ? 'sent' : 'nothing to send';
  },
};
