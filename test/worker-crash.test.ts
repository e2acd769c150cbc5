import { spawn } from 'node:child_process';
import path from 'node:path';
import { CommentModel } from '../src/modules/comments/comment.model';
import { moderationJob } from '../src/modules/moderation/moderation.job';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { createSite, eventually, useHarness } from './helpers/harness';
import { processModeration } from '../src/modules/moderation/moderation.processor';

const h = useHarness();

describe('a worker dying mid-job', () => {
  it('when the worker process holding a job is killed with SIGKILL, then the job runs again and the decision is applied once', async () => {
    const site = await createSite(h);
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 't', body: 'Överlever en krasch' });
    const id = res.body.comment.id as string;

    // Another process takes the job (lock of 1 s) and is killed before it finishes.
    const child = spawn(process.execPath, [
      path.join(__dirname, 'fixtures/take-job-and-hang.js'),
      h.config.REDIS_URL as string,
      h.config.QUEUE_PREFIX,
      '1000',
    ]);
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const jobId = moderationJob.jobId({ commentId: id, revision: 1 });
    await eventually(async () => out.includes(`taken ${jobId}`), 15_000);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await h.services.jobQueues.of(moderationJob).state(jobId)).toBe('active');
    expect((await CommentModel.findById(id).lean())?.status).toBe('pending');

    // A healthy worker recovers the stalled job once its lock has expired.
    const workers = await h.startWorkers();
    const decided = await eventually(async () => {
      const c = await CommentModel.findById(id).lean();
      return c?.status === 'published' ? c : undefined;
    }, 30_000);
    expect(decided.version).toBe(2);
    expect(await ModerationLogModel.countDocuments({ commentId: decided._id })).toBe(1);
    await workers.close();
  });

  it('when a worker died after logging its decision but before applying it, then the rerun applies that decision once', async () => {
    const site = await createSite(h, { moderation: { bannedWords: ['förbjudet'] } });
    const res = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .send({ thread: 't', body: 'Helt förbjudet' });
    const id = res.body.comment.id as string;
    const comment = await CommentModel.findById(id).lean();
    // The first attempt's claim, as it was written before the process died.
    await ModerationLogModel.create({
      siteId: site.id,
      at: new Date(),
      actorKind: 'system',
      action: 'rejected',
      commentId: comment!._id,
      subjectId: comment!.authorId,
      threadKey: 't',
      rules: [{ rule: 'banned_word', action: 'reject', detail: 'förbjudet' }],
      claimKey: `c:${id}:v1`,
    });
    const log = h.services.logger;
    const deps = { sites: h.services.sites, decisions: h.services.decisions };
    expect(await processModeration({ commentId: id, revision: 1 }, deps, log)).toBe('repeated');
    expect(await processModeration({ commentId: id, revision: 1 }, deps, log)).toBe('stale');
    const after = await CommentModel.findById(id).lean();
    expect(after).toMatchObject({
      status: 'rejected',
      version: 2,
      rules: [{ rule: 'banned_word', action: 'reject', detail: 'förbjudet' }],
    });
    expect(await ModerationLogModel.countDocuments({ commentId: after!._id })).toBe(1);
  });
});
