import { Types } from 'mongoose';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import { LogActor, ModerationLogService, NewLogEntry } from '../src/modules/moderation-log/moderation-log.service';
import { nearestRank } from '../src/modules/transparency/time-to-decision';
import { csvField } from '../src/modules/transparency/transparency.csv';
import { createSite, TestSite, useHarness } from './helpers/harness';
import { MODERATOR, postAndDecide } from './helpers/moderation';

const h = useHarness({}, { workers: true });

const RELAXED = { rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 } };
const DAY = 24 * 3600 * 1000;
const log = new ModerationLogService();

const url = (site: string) => `/api/v1/admin/sites/${site}/transparency`;
const moderator: LogActor = { kind: 'moderator', id: new Types.ObjectId(), name: 'Maja Moderator' };
const author: LogActor = { kind: 'author', id: new Types.ObjectId(), name: 'Frida Författare' };

/** Appends log entries as the notice and appeal modules write them, at given instants. */
function appendAll(siteId: string, entries: Array<Omit<NewLogEntry, 'siteId'>>) {
  return Promise.all(entries.map((e) => log.append({ siteId, ...e })));
}

const notice = (
  noticeId: Types.ObjectId,
  reasonId: string,
  receivedAt: Date,
  decidedAt?: Date,
): Array<Omit<NewLogEntry, 'siteId'>> => [
  {
    action: 'notice_received',
    actor: { kind: 'notifier' },
    reasonId,
    noticeId,
    commentId: new Types.ObjectId(),
    claimKey: `n:${noticeId}:received`,
    at: receivedAt,
  },
  ...(decidedAt
    ? [
        {
          action: 'notice_decided' as const,
          actor: moderator,
          noticeId,
          outcome: 'removed' as const,
          reasonId,
          claimKey: `n:${noticeId}:decided`,
          at: decidedAt,
        },
      ]
    : []),
];

const appeal = (appealId: Types.ObjectId, receivedAt: Date, decided?: { outcome: 'upheld' | 'reversed'; at: Date }) => [
  { action: 'appeal_received' as const, actor: author, appealId, claimKey: `a:${appealId}:received`, at: receivedAt },
  ...(decided
    ? [
        {
          action: 'appeal_decided' as const,
          actor: moderator,
          appealId,
          outcome: decided.outcome,
          reasonId: 'olaga_hot',
          claimKey: `a:${appealId}:decided`,
          at: decided.at,
        },
      ]
    : []),
];

/** A CSV text as rows of fields (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end in CRLF');
  return rows;
}

/** The JSON answer as CSV rows would hold it: [section, key, value as text]. */
function flatten(value: Record<string, unknown>, section = 'report'): string[][] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner !== null && typeof inner === 'object'
      ? flatten(inner as Record<string, unknown>, section === 'report' ? key : `${section}.${key}`)
      : [[section, key, inner === null ? '' : String(inner)]],
  );
}

describe('transparency figures', () => {
  let site: TestSite;
  let from: Date;
  let to: Date;
  const people = { mod: MODERATOR, other: { sub: 'nagon', name: 'Nils Någon' }, own: { sub: 'jag', name: 'Jana' } };
  const commentIds: string[] = [];

  beforeAll(async () => {
    site = await createSite(h, { ...RELAXED, moderation: { bannedWords: ['skräp'] } });
    const started = new Date();
    from = new Date(started.getTime() - 10 * DAY);
    to = new Date(started.getTime() + DAY);
    const mod = await site.bearer(people.mod);

    // Automated: the banned word rejects it.
    const byRule = await postAndDecide(h, site, 'Bara skräp', people.other);
    expect(byRule).toMatchObject({ status: 'rejected', reasonId: 'krankande_sprak' });
    // Human: a moderator rejects a published comment, and a repeat of that decision changes nothing.
    const rejected = await postAndDecide(h, site, 'Ett inlägg', people.other);
    const decision = `/api/v1/sites/${site.id}/moderation/comments/${rejected._id}/decision`;
    const reject = { action: 'reject', reasonId: 'olaga_hot', version: rejected.version };
    expect((await h.http.post(decision).set(mod).send(reject)).status).toBe(200);
    expect((await h.http.post(decision).set(mod).send(reject)).status).toBe(409);
    // Human: a moderator removes someone's comment.
    const removed = await postAndDecide(h, site, 'Ett till', people.other);
    expect((await h.http.delete(`/api/v1/comments/${removed._id}?reasonId=reklam`).set(mod)).status).toBe(204);
    // Not a moderation action: the author deletes their own.
    const own = await postAndDecide(h, site, 'Mitt eget', people.own);
    expect((await h.http.delete(`/api/v1/comments/${own._id}`).set(await site.bearer(people.own))).status).toBe(204);
    // Human: a ban.
    const ban = await h.http
      .post(`/api/v1/sites/${site.id}/moderation/users/${people.other.sub}/ban`)
      .set(mod)
      .send({ reason: 'Upprepade hot', reasonId: 'hets_mot_folkgrupp' });
    expect(ban.status).toBe(201);
    commentIds.push(...[byRule, rejected, removed, own].map((c) => String(c._id)));

    const at = (ms: number) => new Date(from.getTime() + ms);
    const [n1, n2, n3, n4, n5, n6] = Array.from({ length: 6 }, () => new Types.ObjectId());
    const [a1, a2, a3, a4] = Array.from({ length: 4 }, () => new Types.ObjectId());
    await appendAll(site.id, [
      // Received at the window's first instant (in it), decided a minute later.
      ...notice(n1!, 'olaga_hot', at(0), at(60_000)),
      ...notice(n2!, 'olaga_hot', at(3600_000), at(3600_000 + 120_000)),
      ...notice(n3!, 'fortal', at(7200_000), at(7200_000 + 300_000)),
      // Received before the window, decided in it: its time counts, its receipt does not.
      ...notice(n4!, 'fortal', at(-DAY), at(3 * 3600_000)),
      // Decided at the window's end, which is outside: its receipt counts, its time does not.
      ...notice(n5!, 'hets_mot_folkgrupp', at(4 * 3600_000), to),
      ...notice(n6!, 'fortal', to),
      ...appeal(a1!, at(1000), { outcome: 'upheld', at: at(2000) }),
      ...appeal(a2!, at(1000), { outcome: 'reversed', at: at(3000) }),
      ...appeal(a3!, at(1000)),
      ...appeal(a4!, at(-1), { outcome: 'reversed', at: to }),
      // A decision logged before reasons existed: an action without a reason.
      { action: 'rejected', actor: moderator, commentId: new Types.ObjectId(), reason: 'Gammalt beslut', at: at(5000) },
      // Removals that are no moderation decision.
      { action: 'removed', actor: { kind: 'system' }, reason: 'erasure', commentId: new Types.ObjectId(), at: at(1) },
      { action: 'removed', actor: { kind: 'system' }, reason: 'retention', commentId: new Types.ObjectId(), at: at(1) },
      // Actions just outside the window.
      { action: 'removed', actor: moderator, reason: 'removed_by_moderator', reasonId: 'reklam', at: at(-1) },
      { action: 'banned', actor: moderator, reason: 'x', reasonId: 'reklam', at: to },
    ]);
  });

  const figures = () => h.http.get(url(site.id)).query({ from: from.toISOString(), to: to.toISOString() }).set(h.admin);

  it('when an admin asks for a window, then the actions, notices, times and appeals in it are counted, and they add up to the log', async () => {
    const res = await figures();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      site: site.id,
      from: from.toISOString(),
      to: to.toISOString(),
      notices: { received: 4, byReason: { olaga_hot: 2, fortal: 1, hets_mot_folkgrupp: 1 } },
      actions: {
        total: 5,
        byReason: { krankande_sprak: 1, olaga_hot: 1, reklam: 1, hets_mot_folkgrupp: 1 },
        automated: 1,
        human: 4,
        byAction: { rejected: 3, removed: 1, banned: 1 },
      },
      // Times 60, 120, 300 and 97 200 s (a day and three hours): nearest rank 2 of 4 and 4 of 4.
      timeToDecision: { decided: 4, medianSeconds: 120, p90Seconds: 97_200 },
      appeals: { received: 3, decided: 2, upheld: 1, reversed: 1 },
      bans: 1,
    });
    const { actions, notices } = res.body;
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const withoutReason = await ModerationLogModel.countDocuments({
      siteId: site.id,
      action: { $in: ['rejected', 'removed', 'banned'] },
      actorKind: { $in: ['system', 'moderator'] },
      reason: { $nin: ['erasure', 'retention'] },
      reasonId: null,
      at: { $gte: from, $lt: to },
    });
    expect(withoutReason).toBe(1);
    expect(sum(actions.byReason) + withoutReason).toBe(actions.total);
    expect(actions.automated + actions.human).toBe(actions.total);
    expect(sum(actions.byAction)).toBe(actions.total);
    expect(sum(notices.byReason)).toBe(notices.received);
    expect(res.body.appeals.upheld + res.body.appeals.reversed).toBe(res.body.appeals.decided);
    // What the log holds of the same window, counted another way: every rejection and ban once.
    const inLog = async (action: string) =>
      ModerationLogModel.countDocuments({ siteId: site.id, action, at: { $gte: from, $lt: to } });
    expect(actions.byAction.rejected).toBe(await inLog('rejected'));
    expect(actions.byAction.banned).toBe(await inLog('banned'));
    expect(await inLog('removed')).toBe(actions.byAction.removed + 3); // the author's own, erasure, retention
  });

  it('when the figures are read, then they name no person and no comment', async () => {
    const text = (await figures()).text;
    for (const personal of [
      MODERATOR.name,
      MODERATOR.sub,
      'Nils',
      people.other.sub,
      'Jana',
      'Maja',
      'Frida',
      'Upprepade hot',
      ...commentIds,
    ])
      expect(text).not.toContain(personal);
  });

  it('when a window leaves entries out, then only those in [from, to) are counted', async () => {
    // The window's first instant alone: notice n1's receipt, nothing after it.
    const first = await h.http
      .get(url(site.id))
      .query({ from: from.toISOString(), to: new Date(from.getTime() + 1).toISOString() })
      .set(h.admin);
    expect(first.status).toBe(200);
    expect(first.body.notices).toEqual({ received: 1, byReason: { olaga_hot: 1 } });
    expect(first.body.actions.total).toBe(0);
    expect(first.body.timeToDecision).toEqual({ decided: 0, medianSeconds: null, p90Seconds: null });
    // An empty window is valid and counts nothing.
    const empty = await h.http.get(url(site.id)).query({ from: to.toISOString(), to: to.toISOString() }).set(h.admin);
    expect(empty.status).toBe(200);
    expect(empty.body.notices.received).toBe(0);
    expect(empty.body.bans).toBe(0);
    // From the window's end on: the entries placed at `to` (a receipt, two decisions, a ban).
    const after = await h.http
      .get(url(site.id))
      .query({ from: to.toISOString(), to: new Date(to.getTime() + DAY).toISOString() })
      .set(h.admin);
    expect(after.body).toMatchObject({
      notices: { received: 1, byReason: { fortal: 1 } },
      actions: { total: 1, human: 1, byAction: { banned: 1 } },
      timeToDecision: { decided: 1 },
      appeals: { received: 0, decided: 1, reversed: 1 },
      bans: 1,
    });
  });

  it('when CSV is asked for, then it is a download with one section,key,value row per figure of the JSON answer', async () => {
    const json = (await figures()).body;
    const res = await figures().set('Accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['vary']).toMatch(/Accept/);
    const stamp = (d: Date) => `${d.toISOString().slice(0, 19).replace(/:/g, '')}Z`;
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="transparency-${site.id}-${stamp(from)}-${stamp(to)}.csv"`,
    );
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['section', 'key', 'value']);
    expect(rows.slice(1)).toEqual(flatten(json));
    expect(rows).toContainEqual(['notices.byReason', 'olaga_hot', '2']);
    expect(rows).toContainEqual(['timeToDecision', 'medianSeconds', '120']);

    // A window with nothing decided: null is an empty value. Whole days name the file by date.
    const empty = await h.http
      .get(url(site.id))
      .query({ from: '2001-01-01', to: '2001-02-01' })
      .set(h.admin)
      .set('Accept', 'text/csv');
    expect(empty.headers['content-disposition']).toBe(
      `attachment; filename="transparency-${site.id}-2001-01-01-2001-02-01.csv"`,
    );
    expect(parseCsv(empty.text)).toContainEqual(['timeToDecision', 'medianSeconds', '']);
  });

  it('when Accept asks for something else, then the answer is JSON (there is no 406)', async () => {
    for (const accept of ['image/png', 'application/xml', '*/*', 'text/html,application/xhtml+xml;q=0.9']) {
      const res = await figures().set('Accept', accept);
      expect({ accept, status: res.status, type: res.headers['content-type'] }).toEqual({
        accept,
        status: 200,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(res.body.site).toBe(site.id);
    }
  });

  it('when no window is given, then it is the 365 days up to now; with only from or only to, the other is its default', async () => {
    const before = Date.now();
    const res = await h.http.get(url(site.id)).set(h.admin);
    const after = Date.now();
    expect(res.status).toBe(200);
    const [f, t] = [Date.parse(res.body.from), Date.parse(res.body.to)];
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
    expect(t - f).toBe(365 * DAY);
    // Every action made through the API lies in it.
    expect(res.body.actions.byReason).toMatchObject({ krankande_sprak: 1, olaga_hot: 1, hets_mot_folkgrupp: 1 });

    const onlyTo = await h.http.get(url(site.id)).query({ to: '2020-06-01' }).set(h.admin);
    expect([onlyTo.body.from, onlyTo.body.to]).toEqual(['2019-06-02T00:00:00.000Z', '2020-06-01T00:00:00.000Z']);
    const onlyFrom = await h.http.get(url(site.id)).query({ from: '2024-01-01T12:00:00+02:00' }).set(h.admin);
    expect(onlyFrom.body.from).toBe('2024-01-01T10:00:00.000Z');
    expect(Date.parse(onlyFrom.body.to)).toBeGreaterThanOrEqual(after);
  });

  it('when the window is malformed, does not exist, is reversed or spans over 10 years, then 400 VALIDATION_FAILED', async () => {
    for (const query of [
      'from=yesterday',
      'from=2025-02-30',
      'to=2025-13-01',
      'to=2025-01-01T24:00:00Z',
      'from=2025-01-01T10:00:00', // no offset: whose clock?
      'from=0099-01-01',
      'from=2025-01-02&to=2025-01-01',
      'from=2010-01-01&to=2020-01-01T00:00:00.001Z',
      'from=2025-01-01&from=2025-01-02',
      'from[$gt]=2025-01-01',
      'site=other',
      `from=${'9'.repeat(100)}`,
    ]) {
      const res = await h.http.get(`${url(site.id)}?${query}`).set(h.admin);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    // Exactly 10 years is allowed.
    expect((await h.http.get(url(site.id)).query({ from: '2010-01-01', to: '2020-01-01' }).set(h.admin)).status).toBe(
      200,
    );
  });

  it('when the admin key is missing or wrong, then 401; for an unknown site, 404', async () => {
    const none = await h.http.get(url(site.id));
    expect([none.status, none.body.error.code]).toEqual([401, 'LOGIN_REQUIRED']);
    const moderatorToken = await h.http.get(url(site.id)).set(await site.bearer(MODERATOR));
    expect([moderatorToken.status, moderatorToken.body.error.code]).toEqual([401, 'INVALID_TOKEN']);
    const unknown = await h.http.get(url('s-finns-inte')).set(h.admin);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('transparency CSV cells', () => {
  it('when a reason id in the log looks like a formula or holds separators, then its cell is defused and quoted, and the row stays one row', async () => {
    const site = await createSite(h);
    const hostile = '=HYPERLINK("http://x","a,b")\r\nnext';
    await appendAll(site.id, notice(new Types.ObjectId(), hostile, new Date()));
    const res = await h.http.get(url(site.id)).set(h.admin).set('Accept', 'text/csv');
    const rows = parseCsv(res.text);
    expect(rows.every((row) => row.length === 3)).toBe(true);
    expect(rows).toContainEqual(['notices.byReason', `'${hostile}`, '1']);
    expect(csvField('-1+1')).toBe("'-1+1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('plain_id')).toBe('plain_id');
  });
});

describe('nearest-rank percentiles', () => {
  it('when times are known, then the median and 90th percentile are times that were taken', () => {
    const tenths = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5].sort((a, b) => a - b);
    expect([nearestRank(tenths, 50), nearestRank(tenths, 90)]).toEqual([5, 9]);
    expect([nearestRank([42], 50), nearestRank([42], 90)]).toEqual([42, 42]);
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([1, 2, 3], 50)).toBe(2);
  });
});
