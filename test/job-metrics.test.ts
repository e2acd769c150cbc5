import { retentionJob } from '../src/modules/retention/retention.job';
import { holdAt } from '../src/shared/checkpoints';
import { createSite, eventually, useHarness } from './helpers/harness';
import { postAndDecide } from './helpers/moderation';
import { completed, subject } from './helpers/privacy';

const METRICS_TOKEN = 'job-metrics-test-token-0123';
const QUEUES = ['moderation', 'erasure', 'retention'];

const h = useHarness({ METRICS_TOKEN }, { workers: true });

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The API's /metrics (the harness's workers count into the same registry), one entry per series. */
async function scrape(): Promise<Series[]> {
  const res = await h.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
  expect(res.status).toBe(200);
  return res.text.split('\n').flatMap((line) => {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) return [];
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    return [{ name: m[1] as string, labels, value: Number(m[3]) }];
  });
}

const seriesOf = (all: Series[], name: string, queue: string) =>
  all.filter((s) => s.name === name && s.labels.queue === queue);

describe('job metrics', () => {
  it('when a moderation job, an erasure that fails once and a retention run have run, then /metrics shows processed, failed and depth for every queue', async () => {
    const site = await createSite(h);
    const s = subject();
    await postAndDecide(h, site, 'Räknas i mätvärdena', s.claims);

    // The erasure's first attempt fails at its last step, as a lost database would make it; the retry finishes it.
    const lastStep = holdAt('erasure.final.beforeProfile');
    const request = await h.http.post(`/api/v1/sites/${site.id}/me/erasure`).set(await site.bearer(s.claims));
    expect(request.status).toBe(202);
    await lastStep.reached;
    lastStep.release(Object.assign(new Error('connection lost'), { name: 'MongoNetworkError' }));
    await completed(request.body.id);

    // One retention run now, rather than waiting for its schedule.
    await h.services.jobQueues.of(retentionJob).add('metrics-test-run', { run: 'retention' });

    const series = await eventually(async () => {
      const all = await scrape();
      return QUEUES.every((queue) => seriesOf(all, 'jobs_processed_total', queue).length > 0) ? all : undefined;
    });
    for (const queue of QUEUES) {
      expect(seriesOf(series, 'jobs_processed_total', queue).length).toBeGreaterThan(0);
      expect(seriesOf(series, 'jobs_failed_total', queue)).toHaveLength(1);
      expect(seriesOf(series, 'queue_jobs', queue).map((d) => d.labels.state)).toEqual(
        expect.arrayContaining(['waiting', 'active', 'delayed', 'failed']),
      );
    }
    expect(seriesOf(series, 'jobs_processed_total', 'moderation')).toContainEqual({
      name: 'jobs_processed_total',
      labels: { queue: 'moderation', outcome: 'published' },
      value: 1,
    });
    expect(seriesOf(series, 'jobs_processed_total', 'erasure')).toEqual([
      { name: 'jobs_processed_total', labels: { queue: 'erasure', outcome: 'completed' }, value: 1 },
    ]);
    expect(seriesOf(series, 'jobs_failed_total', 'erasure')[0]?.value).toBe(1);
    expect(seriesOf(series, 'jobs_failed_total', 'retention')[0]?.value).toBe(0);
  });
});
