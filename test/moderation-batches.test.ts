import { Types } from 'mongoose';
import type { Settled } from '../src/infra/batcher';
import { assumeEqualityPushdown, SetLookup, useSetLookups } from '../src/infra/mongo';
import { removeComments } from '../src/modules/comments/comment-removal';
import { CommentModel } from '../src/modules/comments/comment.model';
import { ModerationLogModel } from '../src/modules/moderation-log/moderation-log.model';
import {
  JobResult,
  ModerationJobRun,
  processModerationBatch,
  ProcessorDeps,
} from '../src/modules/moderation/moderation.processor';
import { WaitingComments } from '../src/modules/moderation/waiting-comments';
import { holdAt } from '../src/shared/checkpoints';
import { createCommenter } from './helpers/factories';
import { createSite, TestSite, useHarness } from './helpers/harness';

/**
 * Moderation jobs decided in batches (moderation.processor.ts). No worker runs here: the
 * jobs the posts make wait in Redis, and each test hands its batch to the processor
 * itself, so what a batch reads, claims and writes can be checked and its races held
 * deterministically (checkpoint `moderation.batch.evaluated`, between the rules and the
 * claims).
 */
const h = useHarness();

const SETTINGS = {
  rateLimits: { commentsPerCommenterPerMinute: 100, commentsPerIpPerMinute: 1000 },
  moderation: { bannedWords: ['skräp'], suspectWords: ['kanske'] },
};

function deps(waiting?: WaitingComments): ProcessorDeps {
  return { sites: h.services.sites, decisions: h.services.decisions, waiting };
}

function jobs(ids: string[], revision = 1): ModerationJobRun[] {
  return ids.map((commentId) => ({ payload: { commentId, revision }, log: h.services.logger }));
}

/** A job's result, or the error code it failed with. */
function shown(results: Array<Settled<JobResult>>): string[] {
  return results.map((r) =>
    r.ok ? r.value : `failed ${(r.error as { code?: string }).code ?? (r.error as Error).message}`,
  );
}

async function post(site: TestSite, by: ReturnType<typeof createCommenter>, body: string): Promise<string> {
  const res = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await by.bearer())
    .send({ thread: 't', body });
  if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return res.body.comment.id as string;
}

/** Database commands this process has sent so far, by name. */
async function commandCounts(): Promise<Map<string, number>> {
  const { values } = await h.services.metrics.databaseCommands.get();
  return new Map(values.map((v) => [String(v.labels.command), v.value]));
}

function grown(before: Map<string, number>, after: Map<string, number>, command: string): number {
  return (after.get(command) ?? 0) - (before.get(command) ?? 0);
}

describe.each<[string, SetLookup, boolean]>([
  ['one $in query per set (MongoDB)', 'in', false],
  ['one query per key (FerretDB on SQLite, which the tests run on)', 'each', false],
  ['one query per key, comments read ahead, an author per update (FerretDB on PostgreSQL)', 'each', true],
])('a batch of comments looked up with %s', (_how, lookups, readAhead) => {
  let before: SetLookup;
  beforeAll(() => {
    before = useSetLookups(lookups);
    // What FerretDB on PostgreSQL answers (the tests' SQLite pushes down `_id` only).
    if (readAhead) assumeEqualityPushdown(CommentModel.collection.collectionName, true);
  });
  afterAll(() => {
    useSetLookups(before);
    assumeEqualityPushdown(CommentModel.collection.collectionName, undefined);
  });

  it('when ten comments by four commenters are decided in one batch, then each gets the outcome it gets alone, each is logged once, readers see the published ones, and a rerun changes nothing', async () => {
    const site = await createSite(h, SETTINGS);
    const [anna, bo, cia, dan] = ['Anna', 'Bo', 'Cia', 'Dan'].map((name) => createCommenter(site, { name }));
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await post(site, anna!, `Annas kommentar nummer ${i}`)); // the fifth is a burst
    ids.push(await post(site, bo!, 'Samma text två gånger'));
    ids.push(await post(site, bo!, 'Samma text två gånger')); // a duplicate
    ids.push(await post(site, cia!, 'Vilket skräp')); // a banned word
    ids.push(await post(site, cia!, 'Det är kanske så')); // a suspect word
    ids.push(await post(site, dan!, 'Helt vanlig kommentar'));
    const page = () => h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: 't', limit: 50 });
    expect((await page()).body.comments).toEqual([]); // and that empty page is now cached
    await h.services.sites.find(site.id); // the site is in memory, as in a running worker

    const counted = await commandCounts();
    const results = await processModerationBatch(jobs(ids), deps(new WaitingComments({ readAhead })));
    const sent = await commandCounts();

    expect(shown(results)).toEqual([
      'published',
      'published',
      'published',
      'published',
      'held',
      'published',
      'rejected',
      'rejected',
      'held',
      'published',
    ]);
    const stored = await CommentModel.find({ _id: { $in: ids } }).lean();
    const byId = new Map(stored.map((c) => [String(c._id), c]));
    expect(byId.get(ids[4]!)?.rules.map((r) => r.rule)).toEqual(['burst']);
    expect(byId.get(ids[6]!)?.rules.map((r) => r.rule)).toEqual(['duplicate']);
    expect(byId.get(ids[7]!)?.rules.map((r) => r.rule)).toEqual(['banned_word']);
    expect(byId.get(ids[8]!)?.rules.map((r) => r.rule)).toEqual(['suspect_word']);
    expect(stored.every((c) => c.version === 2 && c.decidedBy === 'system' && c.decidedAt)).toBe(true);
    const log = await ModerationLogModel.find({ commentId: { $in: ids.map((id) => new Types.ObjectId(id)) } }).lean();
    expect(log.map((e) => e.claimKey).sort()).toEqual(ids.map((id) => `c:${id}:v1`).sort());

    // The decisions' writes made the cached page unusable before the batch returned.
    expect((await page()).body.comments.map((c: { id: string }) => c.id).sort()).toEqual(
      [ids[0], ids[1], ids[2], ids[3], ids[5], ids[9]].sort(),
    );

    // Round trips: the claims in one insert, the batch's events in another; the reads and updates shared as the database allows.
    expect(grown(counted, sent, 'insert')).toBe(2);
    const expected =
      lookups === 'in'
        ? { find: 2, update: 1 } // the comments; the four authors' recent comments; all updates in one command
        : readAhead
          ? { find: 1 + 4, update: 2 } // the read-ahead; per author; 7 statements (Anna's four alike share one), four a command
          : { find: 10 + 4, update: 3 }; // by _id; per author; 10 statements, four a command
    expect({ find: grown(counted, sent, 'find'), update: grown(counted, sent, 'update') }).toEqual(expected);

    // A rerun (a retried or redelivered batch) finds every comment decided or held: nothing changes.
    expect(shown(await processModerationBatch(jobs(ids), deps(new WaitingComments({ readAhead }))))).toEqual(
      ids.map(() => 'stale'),
    );
    expect(
      await ModerationLogModel.countDocuments({ commentId: { $in: ids.map((id) => new Types.ObjectId(id)) } }),
    ).toBe(10);
  });

  it('when comments of a batch are deleted, edited or erased after the batch read them, then each gets the right result: the removal and the edit stand, the erased one is not logged, the rest are decided', async () => {
    const site = await createSite(h, SETTINGS);
    const [anna, bo, cia] = ['Anna', 'Bo', 'Cia'].map((name) => createCommenter(site, { name }));
    const kept = await post(site, anna!, 'Den här får vara kvar');
    const deleted = await post(site, bo!, 'Den här tar jag bort');
    const edited = await post(site, cia!, 'Den här skriver jag om');
    // Anna's two are decided alike: where authors are pushed down they share one update, which then changes one.
    const erased = await post(site, anna!, 'Den här raderas');

    const held = holdAt('moderation.batch.evaluated');
    const batch = processModerationBatch(
      jobs([kept, deleted, edited, erased]),
      deps(new WaitingComments({ readAhead })),
    );
    await held.reached;
    expect((await h.http.delete(`/api/v1/comments/${deleted}`).set(await bo!.bearer())).status).toBe(204);
    const edit = await h.http
      .patch(`/api/v1/comments/${edited}`)
      .set(await cia!.bearer())
      .send({ body: 'Omskriven, kanske bättre' });
    expect(edit.status).toBe(200);
    // An erasure deletes a comment without replies outright, without claiming it.
    await removeComments(site.id, [new Types.ObjectId(erased)], { actor: { kind: 'system' }, reason: 'erasure' });
    held.release();
    const results = await batch;

    // The deleted and the edited comment's claims were taken first: those jobs fail and are
    // retried, and the retries find nothing to decide at revision 1.
    expect(shown(results)).toEqual(['published', 'failed ALREADY_DECIDED', 'failed ALREADY_DECIDED', 'stale']);
    expect(shown(await processModerationBatch(jobs([deleted, edited]), deps()))).toEqual(['stale', 'stale']);
    expect(await CommentModel.findById(kept).lean()).toMatchObject({ status: 'published', version: 2 });
    expect(await CommentModel.findById(deleted).lean()).toBeNull();
    expect(await CommentModel.findById(erased).lean()).toBeNull();
    expect(await CommentModel.findById(edited).lean()).toMatchObject({
      body: 'Omskriven, kanske bättre',
      status: 'pending',
      held: false,
      revision: 2,
      version: 2,
      decidedAt: null,
    });
    const actions = async (id: string) =>
      (await ModerationLogModel.find({ commentId: new Types.ObjectId(id) }).lean()).map((e) => e.action);
    expect(await actions(kept)).toEqual(['published']);
    expect(await actions(deleted)).toEqual(['removed']);
    expect(await actions(edited)).toEqual(['edited']);
    expect(await actions(erased)).toEqual([]); // its claim was voided: no decision that changed nothing

    // The edit's own job decides the new text.
    expect(shown(await processModerationBatch(jobs([edited], 2), deps(new WaitingComments({ readAhead }))))).toEqual([
      'held',
    ]);
  });

  it('when a batch meets its own earlier claim on one comment (a worker died between claiming and writing), then it applies that earlier decision there and decides the others', async () => {
    const site = await createSite(h, SETTINGS);
    const writer = createCommenter(site);
    const claimed = await post(site, writer, 'Helt ren text');
    const other = await post(site, writer, 'En annan ren text');
    const comment = await CommentModel.findById(claimed).lean();
    await ModerationLogModel.create({
      siteId: site.id,
      at: new Date(),
      actorKind: 'system',
      action: 'rejected',
      commentId: comment!._id,
      subjectId: comment!.authorId,
      threadKey: 't',
      rules: [{ rule: 'banned_word', action: 'reject', detail: 'förr' }],
      claimKey: `c:${claimed}:v1`,
    });
    expect(
      shown(await processModerationBatch(jobs([claimed, other]), deps(new WaitingComments({ readAhead })))),
    ).toEqual(['repeated', 'published']);
    expect(await CommentModel.findById(claimed).lean()).toMatchObject({
      status: 'rejected',
      version: 2,
      rules: [{ rule: 'banned_word', action: 'reject', detail: 'förr' }],
    });
  });
});

describe('comments read ahead (FerretDB on PostgreSQL)', () => {
  let before: SetLookup;
  beforeAll(() => {
    before = useSetLookups('each');
  });
  afterAll(() => {
    useSetLookups(before);
  });

  it('when a comment is edited after the read-ahead found it, then its job fails on the taken claim, the retry reads it again and finds the job stale, and the edit is decided on its new text', async () => {
    const site = await createSite(h, SETTINGS);
    const writer = createCommenter(site);
    const first = await post(site, writer, 'Först ut');
    const later = await post(site, writer, 'Skrivs om snart');
    const waiting = new WaitingComments({ readAhead: true });
    expect(shown(await processModerationBatch(jobs([first]), deps(waiting)))).toEqual(['published']); // reads `later` too

    const edit = await h.http
      .patch(`/api/v1/comments/${later}`)
      .set(await writer.bearer())
      .send({ body: 'Omskriven, kanske' });
    expect(edit.status).toBe(200);
    // As read ahead, `later` is still at revision 1: deciding that is refused by the edit's claim.
    expect(shown(await processModerationBatch(jobs([later]), deps(waiting)))).toEqual(['failed ALREADY_DECIDED']);
    expect(shown(await processModerationBatch(jobs([later]), deps(waiting)))).toEqual(['stale']);
    expect(shown(await processModerationBatch(jobs([later], 2), deps(waiting)))).toEqual(['held']);
    expect(await CommentModel.findById(later).lean()).toMatchObject({ body: 'Omskriven, kanske', held: true });
  });

  it('when a complete read-ahead begun after the jobs came lacks a comment, then that job is stale without a read by id', async () => {
    const site = await createSite(h, { ...SETTINGS, moderation: { mode: 'pre' } });
    const writer = createCommenter(site);
    const id = await post(site, writer, 'Väntar på en person');
    expect(shown(await processModerationBatch(jobs([id]), deps()))).toEqual(['held']);

    const waiting = new WaitingComments({ readAhead: true });
    const counted = await commandCounts();
    expect(shown(await processModerationBatch(jobs([id]), deps(waiting)))).toEqual(['stale']);
    expect(grown(counted, await commandCounts(), 'find')).toBe(1); // the read-ahead alone
  });
});
