import { Writable } from 'node:stream';
import { createLogger } from '../src/infra/logger';
import { createSite, Harness, startHarness } from './helpers/harness';

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

let h: Harness;
beforeAll(async () => {
  // Everything at debug, the workers' lines included, so nothing escapes the check.
  h = await startHarness({}, { logger: createLogger('debug', {}, sink) });
  await h.startWorkers();
});
afterAll(async () => {
  await h.close();
});

describe('logs without personal data', () => {
  it('when a comment is written, then the logs hold no comment text, name, email, token or IP', async () => {
    const site = await createSite(h);
    const token = await site.token({ sub: 'log-subject-42', name: 'Loggy Namesson', email: 'loggy@example.se' });
    await h.http
      .post(`/api/v1/sites/${site.id}/comments?token=query-secret`)
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', '203.0.113.77')
      .send({ thread: 'logg', body: 'Hemlig kommentarstext' });
    await h.http
      .get(`/api/v1/sites/${site.id}/comments`)
      .query({ thread: 'logg' })
      .set('Authorization', `Bearer ${token}`);
    const moderator = await site.bearer({ sub: 'log-moderator', name: 'Mod', roles: ['moderator'] });
    await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/log-subject-42/ban`)
      .set(moderator)
      .send({ reasonId: 'krankande_sprak', reason: 'test' });
    const all = logLines.join('\n');
    expect(all).toContain('"statusCode":201');
    expect(all).toContain('/moderation/users/:sub/ban');
    for (const secret of [
      'Hemlig kommentarstext',
      'Loggy Namesson',
      'loggy@example.se',
      'log-subject-42',
      token,
      'query-secret',
      '203.0.113.77',
      '127.0.0.1',
      '::ffff',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
