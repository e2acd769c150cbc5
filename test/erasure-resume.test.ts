import { spawn } from 'node:child_process';
import path from 'node:path';
import { Types } from 'mongoose';
import { CommenterModel } from '../src/modules/commenters/commenter.model';
import { CommentModel } from '../src/modules/comments/comment.model';
import { ErasureRequestModel } from '../src/modules/privacy/erasure-request.model';
import { ErasureStepModel } from '../src/modules/privacy/erasure-step.model';
import { ERASURE_CHUNK } from '../src/modules/privacy/erasure.runner';
import { createSite, eventually, useHarness } from './helpers/harness';
import { REPO_ROOT } from './helpers/paths';

const LOCK_MS = '2000';
const h = useHarness({ JOB_LOCK_MS: LOCK_MS });

describe('erasure after a crash', () => {
  it('when the worker erasing 3000 comments is killed half-way, then a rerun completes without error or double counting', async () => {
    const site = await createSite(h);
    const claims = { sub: 'resume-subject', name: 'Resume Subject' };
    await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer(claims))
      .send({ thread: 't0', body: 'Första' });
    const profile = await CommenterModel.findOne({ siteId: site.id, sub: claims.sub }).lean();
    const now = Date.now();
    await CommentModel.insertMany(
      Array.from({ length: 2999 }, (_, i) => ({
        _id: new Types.ObjectId(),
        siteId: site.id,
        threadKey: `t${i % 30}`,
        authorId: profile!._id,
        body: `Kommentar ${i}`,
        status: 'published',
        ipHash: 'seeded-ip-hash',
        createdAt: new Date(now - i * 1000),
        updatedAt: new Date(),
      })),
    );
    const total = await CommentModel.countDocuments({ siteId: site.id, authorId: profile!._id });
    expect(total).toBe(3000);

    const res = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(claims));
    expect(res.status).toBe(202);

    // A real worker process takes the job; it is killed once part of the work is done.
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      MONGODB_URI: h.config.MONGODB_URI as string,
      REDIS_URL: h.config.REDIS_URL as string,
      ADMIN_API_KEY: h.config.ADMIN_API_KEY,
      IP_HASH_SECRET: h.config.IP_HASH_SECRET,
      QUEUE_PREFIX: h.config.QUEUE_PREFIX,
      JOB_LOCK_MS: LOCK_MS,
    };
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/workers/worker.js')], { env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await eventually(
      async () => (await ErasureStepModel.countDocuments({ requestId: res.body.id, done: true })) > 0,
      90_000,
    );
    child.kill('SIGKILL');
    await exited;
    const halfway = await ErasureRequestModel.findById(res.body.id).lean();
    expect(halfway?.status).toBe('running');
    const left = await CommentModel.countDocuments({ siteId: site.id, authorId: profile!._id });
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(3000);

    // A healthy worker recovers the stalled job after its lock expires and finishes it.
    await h.startWorkers();
    const done = await eventually(async () => {
      const r = await ErasureRequestModel.findById(res.body.id).lean();
      return r?.status === 'completed' ? r : undefined;
    }, 90_000);
    expect(done.receipt).toMatchObject({ comments_deleted: 3000, comments_tombstoned: 0, ip_hashes: 3000, profile: 1 });
    // No step was done twice (one per chunk and the final one), and none is kept: the
    // steps listed the subject's comment ids.
    expect(done.steps).toBe(Math.ceil(3000 / ERASURE_CHUNK) + 1);
    // (Deleted right after the request is marked completed, which is what was waited for.)
    await eventually(async () => (await ErasureStepModel.countDocuments({ requestId: res.body.id })) === 0, 10_000);
    expect(await CommentModel.countDocuments({ siteId: site.id })).toBe(0);
    expect(await CommenterModel.countDocuments({ siteId: site.id, sub: claims.sub })).toBe(0);
  }, 180_000);
});
