import { useHarness } from './helpers/harness';

const h = useHarness();

describe('security headers', () => {
  it('when any response is sent, then helmet security headers are set and no stack trace leaks', async () => {
    const res = await h.http.get('/api/v1/sites/nope/thread').query({ key: 'x' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/\bat\s|node_modules/);
  });
});
