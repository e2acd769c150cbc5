import { useHarness } from './helpers/harness';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

const h = useHarness({ METRICS_TOKEN });

describe('metrics for Prometheus', () => {
  it('when /metrics is read, then HTTP latency and queue depth are exposed for Prometheus', async () => {
    // The latency histogram has lines only once a request has been timed.
    await h.http.get('/healthz');
    const res = await h.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toContain('queue_jobs{queue="moderation"');
  });
});
