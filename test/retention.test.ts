import { Types } from 'mongoose';
import { CommentModel } from '../src/modules/comments/comment.model';
import { IdempotencyModel } from '../src/modules/comments/idempotency.model';
import Bull from 'bull';
import { moderationJob } from '../src/modules/moderation/moderation.job';
import { runRetention } from '../src/modules/retention/retention.runner';
import { NoticeModel } from '../src/modules/notices/notice.model';
import { createSite, useHarness } from './helpers/harness';

const h = useHarness();

const DAY = 86_400_000;

describe('retention', () => {
  it('when retention runs, then exactly the IP hashes and rejected comments past their periods are deleted', async () => {
    const site = await createSite(h, { retention: { ipHashDays: 30, rejectedDays: 90 } });
    const now = Date.now();
    const comment = (daysOld: number, status: string, decidedDaysAgo: number | null = null) => ({
      _id: new Types.ObjectId(),
      siteId: site.id,
      threadKey: 'r',
      body: `${status} ${daysOld}`,
      status,
      ipHash: `hash-${daysOld}-${status}`,
      createdAt: new Date(now - daysOld * DAY),
      updatedAt: new Date(),
      decidedAt: decidedDaysAgo === null ? null : new Date(now - decidedDaysAgo * DAY),
    });
    const docs = {
      oldIp: comment(31, 'published', 31),
      youngIp: comment(29, 'published', 29),
      oldRejected: comment(95, 'rejected', 91),
      youngRejected: comment(95, 'rejected', 89),
      oldPublished: comment(400, 'published', 400),
    };
    await CommentModel.insertMany(Object.values(docs));
    await IdempotencyModel.create([
      {
        siteId: site.id,
        authorId: new Types.ObjectId(),
        keyHash: 'old',
        commentId: docs.oldIp._id,
        createdAt: new Date(now - 2 * DAY),
      },
      {
        siteId: site.id,
        authorId: new Types.ObjectId(),
        keyHash: 'new',
        commentId: docs.youngIp._id,
        createdAt: new Date(now - 3_600_000),
      },
    ]);

    const counts = await runRetention([h.services.jobQueues.of(moderationJob)], h.services.logger);

    const byId = async (d: { _id: Types.ObjectId }) => CommentModel.findById(d._id).lean();
    expect((await byId(docs.oldIp))?.ipHash).toBeNull();
    expect((await byId(docs.youngIp))?.ipHash).toBe('hash-29-published');
    expect(await byId(docs.oldRejected)).toBeNull();
    expect((await byId(docs.youngRejected))?.status).toBe('rejected');
    expect((await byId(docs.oldPublished))?.status).toBe('published');
    expect(await IdempotencyModel.find({ siteId: site.id }).distinct('keyHash')).toEqual(['new']);
    expect(counts.rejectedDeleted).toBeGreaterThanOrEqual(1);
    expect(counts.ipHashesDeleted).toBeGreaterThanOrEqual(4); // oldIp, both rejected, oldPublished (and other sites' old data)

    // A second run finds nothing more of this site's to delete.
    await runRetention([], h.services.logger);
    expect((await byId(docs.youngRejected))?.status).toBe('rejected');
  }, 120_000);

  it("when retention runs, then a notice decided more than noticeDays ago loses its notifier's data and is counted, and the case stays", async () => {
    const site = await createSite(h, { retention: { noticeDays: 10 } });
    const now = Date.now();
    const notice = (decidedDaysAgo: number | null) => ({
      _id: new Types.ObjectId(),
      siteId: site.id,
      commentId: new Types.ObjectId(),
      threadKey: 'r',
      reasonId: 'olaga_hot',
      explanation: `Förklaring ${decidedDaysAgo}`,
      notifierName: 'Nils Notifierare',
      notifierEmail: 'nils@example.se',
      notifierEmailRef: 'ref',
      goodFaith: true,
      tokenHash: 'h',
      status: decidedDaysAgo === null ? 'received' : 'decided',
      dedupeKey: `x:${new Types.ObjectId().toHexString()}`,
      createdAt: new Date(now - 20 * DAY),
      decidedAt: decidedDaysAgo === null ? null : new Date(now - decidedDaysAgo * DAY),
      decision: decidedDaysAgo === null ? null : { action: 'no_action', reasonId: null, by: null, at: new Date() },
    });
    const [old, young, open] = [notice(11), notice(9), notice(null)];
    await NoticeModel.insertMany([old, young, open]);

    const counts = await runRetention([], h.services.logger);

    expect(counts.noticeNotifiersErased).toBeGreaterThanOrEqual(1);
    expect(await NoticeModel.findById(old._id).lean()).toMatchObject({
      status: 'decided',
      reasonId: 'olaga_hot',
      explanation: null,
      notifierName: null,
      notifierEmail: null,
      notifierEmailRef: null,
    });
    for (const kept of [young, open])
      expect((await NoticeModel.findById(kept._id).lean())?.notifierName).toBe('Nils Notifierare');
  });

  it('when a worker starts, then the retention job is scheduled as a repeatable job on Redis', async () => {
    await h.startWorkers();
    // Read straight from Redis, as any other bull client would see it.
    const queue = new Bull('retention', h.config.REDIS_URL as string, { prefix: h.config.QUEUE_PREFIX });
    try {
      expect(await queue.getRepeatableJobs()).toEqual([
        expect.objectContaining({ every: h.config.RETENTION_EVERY_MS }),
      ]);
    } finally {
      await queue.close();
    }
  });
});
