import { useHarness } from './helpers/harness';

const h = useHarness();

describe('health and readiness probes', () => {
  it('when probed, then /healthz is ok and /readyz reports MongoDB and Redis reachable', async () => {
    expect((await h.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await h.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongodb: true, redis: true });
  });
});
