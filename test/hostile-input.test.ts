import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { Response } from 'supertest';
import { createSite, eventually, Harness, startHarness, TestSite } from './helpers/harness';

let h: Harness;
/** The site holding the comment that every hostile request must leave alone. */
let site: TestSite;
/** A site that only admin requests are aimed at, to check its configuration survives them. */
let adminSite: TestSite;
let auth: { Authorization: string };
let stored: { id: string; thread: string; body: string };
let adminSiteConfig: unknown;

const VALID_SITE = { name: 'Testbloggen', origins: ['https://www.example.se'], auth: { hs256Secret: 'h'.repeat(40) } };

beforeAll(async () => {
  h = await startHarness();
  await h.startWorkers();
  site = await createSite(h);
  adminSite = await createSite(h);
  auth = await site.bearer();
  const thread = '/artikel/sparad';
  const created = await h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(auth)
    .send({ thread, body: 'Den här ska finnas kvar.' });
  if (created.status !== 201) throw new Error(`comment not created: ${created.status} ${JSON.stringify(created.body)}`);
  stored = { id: created.body.comment.id, thread, body: 'Den här ska finnas kvar.' };
  await eventually(async () => {
    const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread });
    return list.body.comments?.[0]?.status === 'published';
  });
  adminSiteConfig = (await h.http.get(`/api/v1/admin/sites/${adminSite.id}`).set(h.admin)).body;
});
afterAll(async () => {
  await h.close();
});

/** After every test: the stored comment is still published, unchanged and readable by anyone. */
afterEach(async () => {
  const list = await h.http.get(`/api/v1/sites/${site.id}/comments`).query({ thread: stored.thread });
  expect(list.status).toBe(200);
  expect(list.body.comments).toEqual([
    expect.objectContaining({
      id: stored.id,
      body: stored.body,
      status: 'published',
      author: { name: 'Anna Andersson' },
    }),
  ]);
  const state = await h.http.get(`/api/v1/sites/${site.id}/thread`).query({ key: stored.thread });
  expect(state.body.thread).toMatchObject({ status: 'open', commentCount: 1 });
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.prototype).not.toHaveProperty('admin');
  expect(Object.prototype).not.toHaveProperty('x');
});

/** Text that would mean a stack trace or an internal path leaked into a response. */
const LEAK =
  /\n\s+at |\bat \S+ \(|node_modules|\/work\/|\.[jt]s:\d+|\b(TypeError|ReferenceError|MongoServerError|CastError)\b/;

/** A 4xx in the contract's error shape, without internals; optionally with a given status and code. */
function expectContractError(res: Response, status?: number, code?: string): void {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) },
  });
  expect(res.text).not.toMatch(LEAK);
  if (status !== undefined) expect({ status: res.status, code: res.body.error.code }).toEqual({ status, code });
}

const comments = () => `/api/v1/sites/${site.id}/comments`;
/** POST comment as the stored comment's author, with a raw JSON text body. */
const postRaw = (json: string, headers: Record<string, string> = {}) =>
  h.http.post(comments()).set(auth).set('Content-Type', 'application/json').set(headers).send(json);
const postJson = (body: unknown) => postRaw(JSON.stringify(body));
/** POST comment with raw bytes (superagent would otherwise JSON-encode a Buffer sent as application/json). */
const postBytes = (bytes: Buffer, headers: Record<string, string>) =>
  h.http
    .post(comments())
    .set(auth)
    .set(headers)
    .serialize((data: unknown) => data as string)
    .send(bytes);
const getComments = (query: string) => h.http.get(`${comments()}?${query}`);
const getThread = (query: string) => h.http.get(`/api/v1/sites/${site.id}/thread?${query}`);
const getCounts = (query: string) => h.http.get(`/api/v1/sites/${site.id}/counts?${query}`);

interface Case {
  name: string;
  status: number;
  code: string;
  run: () => Promise<Response>;
}

const nested = (depth: number, leaf = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);
const nestedObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('hostile POST comment bodies', () => {
  const cases: Case[] = [
    {
      name: 'a text/plain body is sent',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () =>
        h.http.post(comments()).set(auth).set('Content-Type', 'text/plain').send('{"thread":"t","body":"hej"}'),
    },
    {
      name: 'a form-encoded body is sent',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.post(comments()).set(auth).type('form').send('thread=t&body=hej'),
    },
    {
      name: 'a multipart body is sent',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.post(comments()).set(auth).field('thread', 't').field('body', 'hej'),
    },
    {
      name: 'an octet-stream body is sent',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () =>
        h.http
          .post(comments())
          .set(auth)
          .set('Content-Type', 'application/octet-stream')
          .send(Buffer.from('{"thread":"t","body":"hej"}')),
    },
    {
      name: 'a JSON look-alike media type is sent',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () =>
        h.http
          .post(comments())
          .set(auth)
          .set('Content-Type', 'application/json-patch+json')
          .send('{"thread":"t","body":"hej"}'),
    },
    {
      name: 'the charset is latin1',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => postRaw('{"thread":"t","body":"hej"}', { 'Content-Type': 'application/json; charset=latin1' }),
    },
    {
      name: 'the content encoding is unknown',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => postRaw('{"thread":"t","body":"hej"}', { 'Content-Encoding': 'compress' }),
    },
    {
      name: 'the JSON is malformed',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread": "t", "body": '),
    },
    {
      name: 'the JSON has a trailing comma',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t","body":"hej",}'),
    },
    { name: 'the body is JSON null', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('null') },
    { name: 'the body is an empty array', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('[]') },
    { name: 'the body is a JSON string', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('"string"') },
    { name: 'the body is a JSON number', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('123') },
    { name: 'the body is JSON true', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('true') },
    { name: 'the body is an empty object', status: 400, code: 'VALIDATION_FAILED', run: () => postRaw('{}') },
    {
      name: 'the body is over 16 kB',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () => postJson({ thread: 't', body: 'x'.repeat(17 * 1024) }),
    },
    {
      name: 'a small gzip body inflates to megabytes',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () =>
        postBytes(gzipSync(Buffer.from(`{"thread":"t","body":"${'a'.repeat(5_000_000)}"}`)), {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        }),
    },
    {
      name: 'thread is {"$gt": ""}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: { $gt: '' }, body: 'hej' }),
    },
    {
      name: 'thread is {"$ne": null}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: { $ne: null }, body: 'hej' }),
    },
    {
      name: 'body is {"$gt": ""}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: { $gt: '' } }),
    },
    {
      name: 'parentId is {"$gt": ""}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', parentId: { $gt: '' } }),
    },
    {
      name: 'parentId is {"$ne": null}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', parentId: { $ne: null } }),
    },
    {
      name: 'parentId is not an ObjectId',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', parentId: 'abc' }),
    },
    {
      name: 'an unknown field is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', extra: 1 }),
    },
    {
      name: 'status is sent to self-publish',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', status: 'published' }),
    },
    {
      name: 'authorId and siteId are sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', authorId: stored.id, siteId: 'other' }),
    },
    {
      name: 'a $where key is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', $where: 'sleep(1000)' }),
    },
    {
      name: 'a __proto__ key is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t","body":"hej","__proto__":{"admin":true,"polluted":true}}'),
    },
    {
      name: 'a constructor.prototype key is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t","body":"hej","constructor":{"prototype":{"polluted":true}}}'),
    },
    {
      name: 'the body is 5000 nested arrays',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw(nested(5000)),
    },
    {
      name: 'thread is 3000 nested arrays',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw(`{"thread":${nested(3000, '"t"')},"body":"hej"}`),
    },
    {
      name: 'body is 1500 nested objects',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw(`{"thread":"t","body":${nestedObject(1500)}}`),
    },
    {
      name: 'thread holds a NUL character',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't\u0000x', body: 'hej' }),
    },
    {
      name: 'thread holds an escape character',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't\u001b[31m', body: 'hej' }),
    },
    {
      name: 'thread holds a line break',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't\nx', body: 'hej' }),
    },
    {
      name: 'thread holds DEL and a C1 control',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't\u007f\u0085', body: 'hej' }),
    },
    {
      name: 'thread holds a lone surrogate',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t\\udc00","body":"hej"}'),
    },
    {
      name: 'thread is empty',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: '', body: 'hej' }),
    },
    {
      name: 'thread is 513 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 'k'.repeat(513), body: 'hej' }),
    },
    {
      name: 'thread is a number',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 1, body: 'hej' }),
    },
    { name: 'thread is missing', status: 400, code: 'VALIDATION_FAILED', run: () => postJson({ body: 'hej' }) },
    {
      name: 'threadUrl is a javascript: URL',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', threadUrl: 'javascript:alert(1)' }),
    },
    {
      name: 'threadTitle holds a NUL character',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 'hej', threadTitle: 'a\u0000b' }),
    },
    {
      name: 'body holds a NUL character',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postJson({ thread: 't', body: 'hej\u0000då' }),
    },
    {
      name: 'body holds a bell and an escape sequence',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postJson({ thread: 't', body: 'hej\u0007\u001b[2J' }),
    },
    {
      name: 'body holds DEL',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postJson({ thread: 't', body: 'hej\u007f' }),
    },
    {
      name: 'body holds a C1 control',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postJson({ thread: 't', body: 'hej\u009b' }),
    },
    {
      name: 'body is a lone high surrogate',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postRaw('{"thread":"t","body":"\\ud800"}'),
    },
    {
      name: 'body holds a lone low surrogate',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postRaw('{"thread":"t","body":"hej \\udc00 då"}'),
    },
    {
      name: 'body holds reversed surrogates',
      status: 422,
      code: 'COMMENT_INVALID',
      run: () => postRaw('{"thread":"t","body":"\\ude00\\ud83d"}'),
    },
    { name: 'body is empty', status: 422, code: 'COMMENT_EMPTY', run: () => postJson({ thread: 't', body: '' }) },
    {
      name: 'body is only white space',
      status: 422,
      code: 'COMMENT_EMPTY',
      run: () => postJson({ thread: 't', body: '  \n\t\r\n  ' }),
    },
    {
      name: 'body is only Unicode spaces',
      status: 422,
      code: 'COMMENT_EMPTY',
      run: () => postJson({ thread: 't', body: '\u00a0\u2003\u3000' }),
    },
    {
      name: 'body is over the length limit',
      status: 422,
      code: 'COMMENT_TOO_LONG',
      run: () => postJson({ thread: 't', body: 'å'.repeat(301) }),
    },
    {
      name: 'body is a number',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: 42 }),
    },
    {
      name: 'body is a boolean',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: true }),
    },
    {
      name: 'body is an array of strings',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postJson({ thread: 't', body: ['hej', 'då'] }),
    },
    { name: 'body is null', status: 400, code: 'VALIDATION_FAILED', run: () => postJson({ thread: 't', body: null }) },
    { name: 'body is missing', status: 400, code: 'VALIDATION_FAILED', run: () => postJson({ thread: 't' }) },
    {
      name: 'the Idempotency-Key is 300 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t","body":"hej"}', { 'Idempotency-Key': 'k'.repeat(300) }),
    },
    {
      name: 'the Idempotency-Key holds spaces',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRaw('{"thread":"t","body":"hej"}', { 'Idempotency-Key': 'a b' }),
    },
  ];

  it.each(cases)('when $name, then $status $code in the error shape', async ({ status, code, run }) => {
    expectContractError(await run(), status, code);
  });

  it('when UTF-8 bytes are labelled charset=utf-16, then 415 or 400 in the error shape', async () => {
    const res = await postRaw('{"thread":"t","body":"hej"}', { 'Content-Type': 'application/json; charset=utf-16' });
    expectContractError(res);
    expect([400, 415]).toContain(res.status);
  });

  // KNOWN BUG (reported, not fixed here): express.json accepts any "utf-*" charset, so a body
  // really encoded as UTF-16 is decoded and stored (201). JSON must be UTF-8 (RFC 8259 §8.1);
  // the contract answers non-JSON with 415. Turn this back into it() once src/http/body.ts refuses it.
  it('when a body is really encoded as UTF-16, then 415 or 400 in the error shape', async () => {
    const utf16 = Buffer.from('{"thread":"utf16","body":"hej"}', 'utf16le');
    const res = await postBytes(utf16, { 'Content-Type': 'application/json; charset=utf-16le' });
    expectContractError(res);
    expect([400, 415]).toContain(res.status);
  });

  it('when a gzip body is corrupt or truncated, then a 4xx in the error shape', async () => {
    expectContractError(await postRaw('not gzip at all', { 'Content-Encoding': 'gzip' }));
    const gz = gzipSync(Buffer.from('{"thread":"t","body":"hej"}'));
    expectContractError(
      await postBytes(gz.subarray(0, gz.length - 6), {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      }),
    );
  });

  it('when a valid gzip JSON body is sent, then it is understood like plain JSON (422 for white space only)', async () => {
    const gz = gzipSync(Buffer.from('{"thread":"t","body":"   "}'));
    expectContractError(
      await postBytes(gz, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }),
      422,
      'COMMENT_EMPTY',
    );
  });

  it('when an error happens, then its message follows Accept-Language', async () => {
    const res = await postRaw('[]', { 'Accept-Language': 'en' });
    expectContractError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toBe('The request has invalid or unknown fields.');
  });

  it('when a comment is too long, then details carry limit and length', async () => {
    const res = await postJson({ thread: 't', body: 'x'.repeat(5000) });
    expectContractError(res, 422, 'COMMENT_TOO_LONG');
    expect(res.body.error.details).toEqual({ limit: 300, length: 5000 });
  });
});

describe('hostile queries', () => {
  const cases: Case[] = [
    {
      name: 'GET comments has ?thread[$ne]=x',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread[$ne]=x'),
    },
    {
      name: 'GET comments has ?thread[$gt]=',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread[$gt]='),
    },
    {
      name: 'GET comments repeats ?thread=a&thread=b',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=a&thread=b'),
    },
    { name: 'GET comments has no thread', status: 400, code: 'VALIDATION_FAILED', run: () => getComments('') },
    {
      name: 'GET comments has an empty thread',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread='),
    },
    {
      name: 'GET comments has a NUL in the thread',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=a%00b'),
    },
    {
      name: 'GET comments has a 513-character thread',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments(`thread=${'k'.repeat(513)}`),
    },
    {
      name: 'GET comments has a $where parameter',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&$where=sleep(1000)'),
    },
    {
      name: 'GET comments has a __proto__ parameter',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&__proto__[polluted]=1'),
    },
    {
      name: 'GET comments has a garbage cursor',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&cursor=garbage'),
    },
    {
      name: 'GET comments has an operator as cursor',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments(`thread=t&cursor=${encodeURIComponent('{"$gt":""}')}`),
    },
    {
      name: 'GET comments has a cursor with a 17-digit time',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        getComments(`thread=t&cursor=${Buffer.from(`99999999999999999.${'a'.repeat(24)}`).toString('base64url')}`),
    },
    {
      name: 'GET comments has a 5000-character cursor',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments(`thread=t&cursor=${'A'.repeat(5000)}`),
    },
    {
      name: 'GET comments repeats the cursor',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&cursor=a&cursor=b'),
    },
    {
      name: 'GET comments has limit=0',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=0'),
    },
    {
      name: 'GET comments has limit=-1',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=-1'),
    },
    {
      name: 'GET comments has limit=1000',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=1000'),
    },
    {
      name: 'GET comments has limit=abc',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=abc'),
    },
    {
      name: 'GET comments has limit=1.5',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=1.5'),
    },
    {
      name: 'GET comments has limit=Infinity',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&limit=Infinity'),
    },
    {
      name: 'GET comments has sort=random',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&sort=random'),
    },
    {
      name: 'GET comments has sort[$ne]=x',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getComments('thread=t&sort[$ne]=x'),
    },
    { name: 'GET thread has ?key[$ne]=x', status: 400, code: 'VALIDATION_FAILED', run: () => getThread('key[$ne]=x') },
    {
      name: 'GET thread has ?thread[$ne]=x',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getThread('thread[$ne]=x'),
    },
    {
      name: 'GET thread repeats ?key=a&key=b',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getThread('key=a&key=b'),
    },
    {
      name: 'GET thread repeats ?thread=a&thread=b',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getThread('thread=a&thread=b'),
    },
    { name: 'GET thread has no key', status: 400, code: 'VALIDATION_FAILED', run: () => getThread('') },
    {
      name: 'GET thread has a NUL in the key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getThread('key=%00'),
    },
    {
      name: 'GET thread has a 513-character key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getThread(`key=${'k'.repeat(513)}`),
    },
    { name: 'GET counts has ?key[$ne]=x', status: 400, code: 'VALIDATION_FAILED', run: () => getCounts('key[$ne]=x') },
    {
      name: 'GET counts has ?key[$in][]=a',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getCounts('key[$in][]=a'),
    },
    {
      name: 'GET counts has a NUL in a key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getCounts('key=a&key=%00'),
    },
    {
      name: 'GET counts has a __proto__ parameter',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getCounts('key=a&__proto__[polluted]=1'),
    },
    {
      name: 'GET counts has 1000 keys',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => getCounts(Array.from({ length: 1000 }, (_, i) => `key=${i}`).join('&')),
    },
  ];

  it.each(cases)('when $name, then $status $code in the error shape', async ({ status, code, run }) => {
    expectContractError(await run(), status, code);
  });

  it('when counts are asked with keys that look like operators, then each is counted only as that exact key', async () => {
    const res = await getCounts(
      `key=${encodeURIComponent(stored.thread)}&key=${encodeURIComponent('/artikel/.*')}&key=__proto__&key=constructor`,
    );
    expect(res.status).toBe(200);
    expect(res.body.threads.map((t: { key: string; commentCount: number }) => [t.key, t.commentCount])).toEqual([
      [stored.thread, 1],
      ['/artikel/.*', 0],
      ['__proto__', 0],
      ['constructor', 0],
    ]);
  });

  it('when the stored comment is read through a query with percent-encoded operators, then it is found only by its exact key', async () => {
    const exact = await getComments(`thread=${encodeURIComponent(stored.thread)}`);
    expect(exact.body.comments).toHaveLength(1);
    const regexLike = await getComments(`thread=${encodeURIComponent('/artikel/.*')}`);
    expect(regexLike.status).toBe(200);
    expect(regexLike.body.comments).toEqual([]);
  });
});

describe('hostile ids in paths', () => {
  const longId = 'a'.repeat(5000);
  const sitePaths = [
    '$where',
    '%24where',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    longId,
    encodeURIComponent('{"$ne":null}'),
    '..%2F..%2Fadmin',
    'S-UPPER',
    '%00',
  ];

  it.each(sitePaths.map((id) => ({ id: id.length > 60 ? `${id.slice(0, 10)}… (${id.length} chars)` : id, raw: id })))(
    'when the site id in the path is $id, then every public endpoint answers 404 NOT_FOUND',
    async ({ raw }) => {
      expectContractError(await h.http.get(`/api/v1/sites/${raw}/comments?thread=t`), 404, 'NOT_FOUND');
      expectContractError(await h.http.get(`/api/v1/sites/${raw}/thread?key=t`), 404, 'NOT_FOUND');
      expectContractError(
        await h.http.post(`/api/v1/sites/${raw}/comments`).set(auth).send({ thread: 't', body: 'hej' }),
        404,
        'NOT_FOUND',
      );
    },
  );

  it('when the site id is the stored site in upper case, then 404 NOT_FOUND', async () => {
    expectContractError(
      await h.http.get(`/api/v1/sites/${site.id.toUpperCase()}/comments?thread=${encodeURIComponent(stored.thread)}`),
      404,
      'NOT_FOUND',
    );
  });

  const commentIds = [
    'not-an-id',
    '$where',
    '__proto__',
    'ZZZZZZZZZZZZZZZZZZZZZZZZ',
    'a'.repeat(25),
    'a'.repeat(23),
    encodeURIComponent('{"$ne":null}'),
    longId,
  ];

  it.each(commentIds.map((id) => ({ id: id.length > 60 ? `${id.slice(0, 10)}… (${id.length} chars)` : id, raw: id })))(
    'when PATCH and DELETE use the comment id $id, then 404 NOT_FOUND',
    async ({ raw }) => {
      expectContractError(
        await h.http.patch(`/api/v1/comments/${raw}`).set(auth).send({ body: 'ändrad' }),
        404,
        'NOT_FOUND',
      );
      expectContractError(await h.http.delete(`/api/v1/comments/${raw}`).set(auth), 404, 'NOT_FOUND');
    },
  );

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '..%2Fmoderate.html', '%00'])(
    'when an asset named %s is asked for, then 404 NOT_FOUND (no member of a prototype is taken for a file)',
    async (name) => {
      expectContractError(await h.http.get(`/assets/${name}`), 404, 'NOT_FOUND');
    },
  );

  it('when the stored comment id is sent in upper case or with a suffix, then 404 NOT_FOUND and it is untouched', async () => {
    for (const raw of [stored.id.toUpperCase(), `${stored.id}0`, ` ${stored.id}`]) {
      expectContractError(
        await h.http.delete(`/api/v1/comments/${encodeURIComponent(raw)}`).set(auth),
        404,
        'NOT_FOUND',
      );
    }
  });
});

describe('hostile edits of the stored comment by its author', () => {
  const cases: Array<{ name: string; status: number; code: string; json: string }> = [
    { name: 'body is {"$set": "x"}', status: 400, code: 'VALIDATION_FAILED', json: '{"body":{"$set":"x"}}' },
    {
      name: 'status is sent alongside body',
      status: 400,
      code: 'VALIDATION_FAILED',
      json: '{"body":"ändrad","status":"published"}',
    },
    { name: 'only status is sent', status: 400, code: 'VALIDATION_FAILED', json: '{"status":"removed"}' },
    { name: 'a $set key is sent', status: 400, code: 'VALIDATION_FAILED', json: '{"$set":{"body":"ändrad"}}' },
    {
      name: 'a __proto__ key is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      json: '{"body":"ändrad","__proto__":{"polluted":true}}',
    },
    { name: 'the body is an array', status: 400, code: 'VALIDATION_FAILED', json: '[{"body":"ändrad"}]' },
    { name: 'the body is JSON null', status: 400, code: 'VALIDATION_FAILED', json: 'null' },
    { name: 'the text holds a NUL character', status: 422, code: 'COMMENT_INVALID', json: '{"body":"a\\u0000b"}' },
    { name: 'the text is a lone surrogate', status: 422, code: 'COMMENT_INVALID', json: '{"body":"\\ud800"}' },
    { name: 'the text is only white space', status: 422, code: 'COMMENT_EMPTY', json: '{"body":"   "}' },
  ];

  it.each(cases)('when $name, then $status $code and the comment keeps its text', async ({ status, code, json }) => {
    const res = await h.http
      .patch(`/api/v1/comments/${stored.id}`)
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(json);
    expectContractError(res, status, code);
  });

  it('when the edit is sent as text/plain, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await h.http
      .patch(`/api/v1/comments/${stored.id}`)
      .set(auth)
      .set('Content-Type', 'text/plain')
      .send('ändrad');
    expectContractError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when another commenter tries to edit or delete the stored comment, then 403 FORBIDDEN', async () => {
    const other = await site.bearer({ sub: 'user-2', name: 'Bo' });
    expectContractError(
      await h.http.patch(`/api/v1/comments/${stored.id}`).set(other).send({ body: 'kapad' }),
      403,
      'FORBIDDEN',
    );
    expectContractError(await h.http.delete(`/api/v1/comments/${stored.id}`).set(other), 403, 'FORBIDDEN');
  });
});

describe('hostile admin bodies', () => {
  const adminPath = () => `/api/v1/admin/sites/${adminSite.id}`;
  const put = (json: string) => h.http.put(adminPath()).set(h.admin).set('Content-Type', 'application/json').send(json);
  const patch = (json: string) =>
    h.http.patch(adminPath()).set(h.admin).set('Content-Type', 'application/json').send(json);
  const valid = (extra: string) => JSON.stringify(VALID_SITE).slice(0, -1) + `,${extra}}`;

  afterEach(async () => {
    const now = await h.http.get(adminPath()).set(h.admin);
    expect(now.body).toEqual(adminSiteConfig);
  });

  const cases: Case[] = [
    {
      name: 'PUT has wrong types everywhere',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put('{"name":123,"origins":"https://x.se","auth":[]}'),
    },
    { name: 'PUT has an unknown key', status: 400, code: 'VALIDATION_FAILED', run: () => put(valid('"extra":1')) },
    {
      name: 'PUT has moderation {"$set": 1}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"moderation":{"$set":1}')),
    },
    {
      name: 'PUT has a __proto__ key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"__proto__":{"x":1,"polluted":true}')),
    },
    {
      name: 'PUT has a constructor.prototype key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"constructor":{"prototype":{"polluted":true}}')),
    },
    {
      name: 'PUT has maxLength as a string',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"maxLength":"300"')),
    },
    { name: 'PUT has maxLength 1e9', status: 400, code: 'VALIDATION_FAILED', run: () => put(valid('"maxLength":1e9')) },
    {
      name: 'PUT has a fractional maxLength',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"maxLength":1.5')),
    },
    {
      name: 'PUT has a javascript: origin',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"origins":["javascript:alert(1)"]')),
    },
    {
      name: 'PUT has an origin with a path',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"origins":["https://www.example.se/evil"]')),
    },
    {
      name: 'PUT has a NUL in the name',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"name":"a\\u0000b"')),
    },
    {
      name: 'PUT has an unknown moderation mode',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"moderation":{"mode":"none"}')),
    },
    {
      name: 'PUT has a javascript: loginUrl',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid('"loginUrl":"javascript:alert(1)"')),
    },
    {
      name: 'PUT has deeply nested moderation',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(valid(`"moderation":${nestedObject(2000)}`)),
    },
    { name: 'PUT is JSON null', status: 400, code: 'VALIDATION_FAILED', run: () => put('null') },
    {
      name: 'PUT is an array',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => put(`[${JSON.stringify(VALID_SITE)}]`),
    },
    {
      name: 'PUT is over 256 kB',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () =>
        put(valid(`"moderation":{"bannedWords":${JSON.stringify(Array.from({ length: 30_000 }, () => 'ord-ord'))}}`)),
    },
    {
      name: 'PUT is text/plain',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () =>
        h.http.put(adminPath()).set(h.admin).set('Content-Type', 'text/plain').send(JSON.stringify(VALID_SITE)),
    },
    {
      name: 'PATCH has moderation {"$set": 1}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"moderation":{"$set":1}}'),
    },
    {
      name: 'PATCH has a top-level $set',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"$set":{"name":"x"}}'),
    },
    {
      name: 'PATCH has a __proto__ key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"__proto__":{"x":1,"polluted":true}}'),
    },
    {
      name: 'PATCH has a nested __proto__ key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"moderation":{"__proto__":{"mode":"pre","polluted":true}}}'),
    },
    {
      name: 'PATCH has a constructor.prototype key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"constructor":{"prototype":{"polluted":true}}}'),
    },
    {
      name: 'PATCH has a nested prototype key',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"privacyNotice":{"prototype":{"polluted":true}}}'),
    },
    {
      name: 'PATCH has a number secret',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"auth":{"hs256Secret":123}}'),
    },
    { name: 'PATCH has auth null', status: 400, code: 'VALIDATION_FAILED', run: () => patch('{"auth":null}') },
    { name: 'PATCH has name null', status: 400, code: 'VALIDATION_FAILED', run: () => patch('{"name":null}') },
    {
      name: 'PATCH has origins as a string',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"origins":"https://www.example.se"}'),
    },
    {
      name: 'PATCH has a javascript: privacy URL',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"privacyNotice":{"sv":{"url":"javascript:alert(1)"}}}'),
    },
    {
      name: 'PATCH has a negative rate limit',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => patch('{"rateLimits":{"commentsPerIpPerMinute":-1}}'),
    },
    { name: 'PATCH is an array', status: 400, code: 'VALIDATION_FAILED', run: () => patch('[{"name":"x"}]') },
    { name: 'PATCH is a JSON string', status: 400, code: 'VALIDATION_FAILED', run: () => patch('"x"') },
    { name: 'PATCH is malformed JSON', status: 400, code: 'VALIDATION_FAILED', run: () => patch('{"name":') },
  ];

  it.each(cases)(
    'when $name, then $status $code and the site configuration is unchanged',
    async ({ status, code, run }) => {
      expectContractError(await run(), status, code);
    },
  );

  it('when PUT or PATCH target an invalid site id, then a 4xx in the error shape and no site appears', async () => {
    for (const id of ['$where', 'UPPER', 'x'.repeat(65), '__proto__']) {
      const putRes = await h.http.put(`/api/v1/admin/sites/${id}`).set(h.admin).send(VALID_SITE);
      expectContractError(putRes);
      expect([400, 404]).toContain(putRes.status);
      expectContractError(
        await h.http.patch(`/api/v1/admin/sites/${id}`).set(h.admin).send({ name: 'x' }),
        404,
        'NOT_FOUND',
      );
      expectContractError(await h.http.get(`/api/v1/admin/sites/${id}`).set(h.admin), 404, 'NOT_FOUND');
    }
  });
});

describe('hostile input on mail choices and the unsubscribe link', () => {
  const mail = () => `/api/v1/sites/${site.id}/me/mail`;
  const token = `msub_${'a'.repeat(22)}.${'b'.repeat(43)}`;
  const cases: Case[] = [
    {
      name: 'PATCH me/mail is empty',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.patch(mail()).set(auth).send({}),
    },
    {
      name: 'PATCH me/mail has a string flag',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.patch(mail()).set(auth).send({ replies: 'true' }),
    },
    {
      name: 'PATCH me/mail names an address',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.patch(mail()).set(auth).send({ replies: true, email: 'x@example.se' }),
    },
    {
      name: 'PATCH me/mail has an operator',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        h.http
          .patch(mail())
          .set(auth)
          .send({ $set: { replies: true } }),
    },
    {
      name: 'PATCH me/mail is form-encoded',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.patch(mail()).set(auth).type('form').send('replies=true'),
    },
    {
      name: 'PATCH me/mail is without a token',
      status: 401,
      code: 'LOGIN_REQUIRED',
      run: () => h.http.patch(mail()).send({ replies: true }),
    },
    {
      name: 'PATCH me/mail without an email in the token turns mail on',
      status: 403,
      code: 'FORBIDDEN',
      run: () => h.http.patch(mail()).set(auth).send({ replies: true }),
    },
    {
      name: 'unsubscribe has no token',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post('/unsubscribe').type('form').send('List-Unsubscribe=One-Click'),
    },
    {
      name: 'unsubscribe has the token twice',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.get(`/unsubscribe?token=${token}&token=${token}`),
    },
    {
      name: 'unsubscribe has an operator for a token',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.get('/unsubscribe?token[$ne]=x'),
    },
    {
      name: 'unsubscribe has a forged token',
      status: 404,
      code: 'NOT_FOUND',
      run: () => h.http.post(`/unsubscribe?token=${token}`).type('form').send('List-Unsubscribe=One-Click'),
    },
    {
      name: 'unsubscribe has another form value',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(`/unsubscribe?token=${token}`).type('form').send('List-Unsubscribe=All&x=1'),
    },
    {
      name: 'unsubscribe is JSON',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.post(`/unsubscribe?token=${token}`).send({ 'List-Unsubscribe': 'One-Click' }),
    },
    {
      name: 'unsubscribe has a form over 1 kB',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () =>
        h.http
          .post(`/unsubscribe?token=${token}`)
          .type('form')
          .send(`x=${'a'.repeat(2000)}`),
    },
  ];

  it.each(cases)('when $name, then $status $code', async ({ status, code, run }) => {
    expectContractError(await run(), status, code);
  });
});

describe('hostile appeals', () => {
  const appealOf = (id: string) => `/api/v1/comments/${id}/appeal`;
  const banAppeal = () => `/api/v1/sites/${site.id}/me/ban/appeal`;
  const decision = (id: string) => `/api/v1/sites/${site.id}/moderation/appeals/${id}/decision`;
  const moderator = () => site.bearer({ sub: 'hostile-mod', name: 'Mod', roles: ['moderator'] });
  const someAppeal = '0123456789abcdef01234567';
  const cases: Case[] = [
    {
      name: 'a published comment is appealed',
      status: 409,
      code: 'NOT_APPEALABLE',
      run: () => h.http.post(appealOf(stored.id)).set(auth).send({ text: 'Varför?' }),
    },
    {
      name: 'an appeal has no text',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(appealOf(stored.id)).set(auth).send({}),
    },
    {
      name: 'an appeal text is a number',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(appealOf(stored.id)).set(auth).send({ text: 42 }),
    },
    {
      name: 'an appeal text holds NUL',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(appealOf(stored.id)).set(auth).send({ text: 'a\u0000b' }),
    },
    {
      name: 'an appeal text is over 1000 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        h.http
          .post(appealOf(stored.id))
          .set(auth)
          .send({ text: 'å'.repeat(1001) }),
    },
    {
      name: 'an appeal has an unknown field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(appealOf(stored.id)).set(auth).send({ text: 'x', status: 'decided' }),
    },
    {
      name: 'an appeal text is an operator',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () =>
        h.http
          .post(appealOf(stored.id))
          .set(auth)
          .send({ text: { $ne: null } }),
    },
    {
      name: 'an appeal is sent without a token',
      status: 401,
      code: 'LOGIN_REQUIRED',
      run: () => h.http.post(appealOf(stored.id)).send({ text: 'x' }),
    },
    {
      name: 'an appeal names no comment id',
      status: 404,
      code: 'NOT_FOUND',
      run: () => h.http.post(appealOf('not-an-id')).set(auth).send({ text: 'x' }),
    },
    {
      name: 'an appeal is form-encoded',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.post(appealOf(stored.id)).set(auth).type('form').send('text=x'),
    },
    {
      name: 'a ban is appealed by someone not banned',
      status: 409,
      code: 'NOT_APPEALABLE',
      run: () => h.http.post(banAppeal()).set(auth).send({ text: 'Jag är inte avstängd' }),
    },
    {
      name: 'a ban appeal is an array',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.post(banAppeal()).set(auth).send(['x']),
    },
    {
      name: 'the ban statement is asked for without a token',
      status: 401,
      code: 'LOGIN_REQUIRED',
      run: () => h.http.get(`/api/v1/sites/${site.id}/me/ban`),
    },
    {
      name: 'an appeal is decided by a commenter',
      status: 403,
      code: 'FORBIDDEN',
      run: () => h.http.post(decision(someAppeal)).set(auth).send({ outcome: 'reversed' }),
    },
    {
      name: 'an appeal decision has an unknown outcome',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: async () =>
        h.http
          .post(decision(someAppeal))
          .set(await moderator())
          .send({ outcome: 'maybe' }),
    },
    {
      name: 'an appeal decision names a malformed reason',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: async () =>
        h.http
          .post(decision(someAppeal))
          .set(await moderator())
          .send({ outcome: 'upheld', reasonId: 'Olaga Hot!' }),
    },
    {
      name: 'an appeal decision is about an unknown appeal',
      status: 404,
      code: 'NOT_FOUND',
      run: async () =>
        h.http
          .post(decision(someAppeal))
          .set(await moderator())
          .send({ outcome: 'reversed' }),
    },
    {
      name: 'an appeal decision names a malformed appeal id',
      status: 404,
      code: 'NOT_FOUND',
      run: async () =>
        h.http
          .post(decision('../../x'))
          .set(await moderator())
          .send({ outcome: 'reversed' }),
    },
  ];

  it.each(cases)('when $name, then $status $code', async ({ status, code, run }) => {
    expectContractError(await run(), status, code);
  });
});

describe('property: arbitrary JSON', () => {
  const acceptable = (res: Response, ok: number) => {
    if (res.status === ok) return;
    expectContractError(res);
  };

  it('when any JSON value is POSTed as a comment, then the answer is 201 or a 4xx in the error shape', async () => {
    const fuzzSite = await createSite(h, {
      rateLimits: { commentsPerCommenterPerMinute: 10_000, commentsPerIpPerMinute: 100_000 },
    });
    const fuzzAuth = await fuzzSite.bearer();
    const shaped = fc.record(
      {
        thread: fc.jsonValue({ stringUnit: 'binary' }),
        body: fc.jsonValue({ stringUnit: 'binary' }),
        parentId: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), shaped), async (value) => {
        const res = await h.http
          .post(`/api/v1/sites/${fuzzSite.id}/comments`)
          .set(fuzzAuth)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(value));
        acceptable(res, 201);
      }),
      { numRuns: 100 },
    );
  });

  it("when any JSON value is POSTed as a privacy officer's subject, then the answer is 404 (nobody stored) or a 4xx in the error shape", async () => {
    const shaped = fc.record({
      subject: fc.oneof(
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.record({ email: fc.jsonValue() }),
        fc.record({ sub: fc.jsonValue() }),
      ),
    });
    for (const path of [
      `/api/v1/admin/sites/${adminSite.id}/exports`,
      `/api/v1/admin/sites/${adminSite.id}/erasure-requests`,
    ]) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), shaped), async (value) => {
          const res = await h.http
            .post(path)
            .set(h.admin)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(value));
          expectContractError(res);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('when any JSON value is PATCHed onto a site, then the answer is 200 or a 4xx in the error shape and the site still serves', async () => {
    const fuzzSite = await createSite(h);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ stringUnit: 'binary' }), async (value) => {
        const res = await h.http
          .patch(`/api/v1/admin/sites/${fuzzSite.id}`)
          .set(h.admin)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(value));
        acceptable(res, 200);
      }),
      { numRuns: 100 },
    );
    const state = await h.http.get(`/api/v1/sites/${fuzzSite.id}/thread`).query({ key: 't' });
    expect(state.status).toBe(200);
  });
});

describe('hostile notices of illegal content', () => {
  const notices = () => `/api/v1/sites/${site.id}/notices`;
  const valid = () => ({
    commentId: stored.id,
    reasonId: 'olaga_hot',
    explanation: 'Kommentaren är ett olaga hot.',
    notifier: { name: 'Nora', email: 'nora@example.se' },
    goodFaith: true,
  });
  /** Sends a notice about the stored comment with `change` over a valid body (undefined removes a field). */
  const noticeWith = (change: Record<string, unknown>) => {
    const body: Record<string, unknown> = { ...valid(), ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete body[k];
    return h.http.post(notices()).send(body);
  };
  const postRawNotice = (json: string) => h.http.post(notices()).set('Content-Type', 'application/json').send(json);
  const decision = (id: string) => `/api/v1/sites/${site.id}/moderation/notices/${id}/decision`;
  const moderator = () => site.bearer({ sub: 'mod-hostile', name: 'Moderator', roles: ['moderator'] });

  const cases: Case[] = [
    {
      name: 'goodFaith is missing',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ goodFaith: undefined }),
    },
    { name: 'goodFaith is false', status: 400, code: 'VALIDATION_FAILED', run: () => noticeWith({ goodFaith: false }) },
    {
      name: 'goodFaith is "true"',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ goodFaith: 'true' }),
    },
    {
      name: 'an unknown field is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ status: 'decided' }),
    },
    {
      name: 'notifier has an unknown field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { name: 'N', sub: 'user-1' } }),
    },
    {
      name: 'commentId is not an ObjectId',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ commentId: 'abc' }),
    },
    {
      name: 'commentId is {"$ne": null}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ commentId: { $ne: null } }),
    },
    { name: 'commentId is a number', status: 400, code: 'VALIDATION_FAILED', run: () => noticeWith({ commentId: 1 }) },
    {
      name: 'reasonId is {"$gt": ""}',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ reasonId: { $gt: '' } }),
    },
    {
      name: 'reasonId is upper case',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ reasonId: 'OLAGA_HOT' }),
    },
    {
      name: 'reasonId is of kind terms',
      status: 422,
      code: 'REASON_REQUIRED',
      run: () => noticeWith({ reasonId: 'reklam' }),
    },
    { name: 'reasonId is unknown', status: 422, code: 'REASON_REQUIRED', run: () => noticeWith({ reasonId: 'okand' }) },
    {
      name: 'explanation is missing',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: undefined }),
    },
    {
      name: 'explanation is empty',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: '' }),
    },
    {
      name: 'explanation is white space',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: ' \n\t ' }),
    },
    {
      name: 'explanation is 2001 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: 'x'.repeat(2001) }),
    },
    {
      name: 'explanation is over 16 kB',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      run: () => noticeWith({ explanation: 'x'.repeat(17 * 1024) }),
    },
    {
      name: 'explanation holds a NUL character',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: 'hot\u0000hot' }),
    },
    {
      name: 'explanation holds a lone surrogate',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRawNotice(JSON.stringify(valid()).replace('olaga hot.', 'olaga \\ud800 hot.')),
    },
    {
      name: 'explanation is an array',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ explanation: ['x'] }),
    },
    {
      name: 'the notifier name holds a line break',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { name: 'Nora\nAdmin' } }),
    },
    {
      name: 'the notifier name is 101 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { name: 'n'.repeat(101) } }),
    },
    {
      name: 'the notifier email is not an address',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { email: 'nora' } }),
    },
    {
      name: 'the notifier email carries a header',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { email: 'nora@example.se\r\nBcc: x@example.se' } }),
    },
    {
      name: 'the notifier email is over 254 characters',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: { email: `${'a'.repeat(60)}@${'b'.repeat(200)}.se` } }),
    },
    {
      name: 'notifier is a string',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => noticeWith({ notifier: 'Nora' }),
    },
    {
      name: 'a __proto__ key is sent',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRawNotice(JSON.stringify(valid()).replace(/}$/, ',"__proto__":{"polluted":true}}')),
    },
    { name: 'the body is an array', status: 400, code: 'VALIDATION_FAILED', run: () => postRawNotice('[]') },
    { name: 'the body is null', status: 400, code: 'VALIDATION_FAILED', run: () => postRawNotice('null') },
    {
      name: 'the JSON is malformed',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => postRawNotice('{"commentId":'),
    },
    {
      name: 'the body is text/plain',
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      run: () => h.http.post(notices()).set('Content-Type', 'text/plain').send(JSON.stringify(valid())),
    },
    {
      name: 'the comment is unknown',
      status: 404,
      code: 'NOT_FOUND',
      run: () => noticeWith({ commentId: 'f'.repeat(24) }),
    },
    {
      name: 'the site is unknown',
      status: 404,
      code: 'NOT_FOUND',
      run: () => h.http.post('/api/v1/sites/finns-inte/notices').send(valid()),
    },
    {
      name: 'the status is read without a token',
      status: 404,
      code: 'NOT_FOUND',
      run: () => h.http.get(`/api/v1/notices/${'0'.repeat(24)}`),
    },
    {
      name: 'the status is read with a repeated token',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.get(`/api/v1/notices/${'0'.repeat(24)}?token=a&token=b`),
    },
    {
      name: 'the status is read with an unknown query field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.get(`/api/v1/notices/${'0'.repeat(24)}?token=a&admin=1`),
    },
    {
      name: 'the status is read with a 300-character token',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: () => h.http.get(`/api/v1/notices/${'0'.repeat(24)}`).query({ token: 't'.repeat(300) }),
    },
    {
      name: 'a decision is sent without a login',
      status: 401,
      code: 'LOGIN_REQUIRED',
      run: () => h.http.post(decision('0'.repeat(24))).send({ action: 'no_action' }),
    },
    {
      name: 'a decision is sent by a reader',
      status: 403,
      code: 'FORBIDDEN',
      run: async () =>
        h.http
          .post(decision('0'.repeat(24)))
          .set(auth)
          .send({ action: 'no_action' }),
    },
    {
      name: 'a decision has an unknown action',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: async () =>
        h.http
          .post(decision('0'.repeat(24)))
          .set(await moderator())
          .send({ action: 'approve' }),
    },
    {
      name: 'a decision has an unknown field',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: async () =>
        h.http
          .post(decision('0'.repeat(24)))
          .set(await moderator())
          .send({ action: 'no_action', commentId: stored.id }),
    },
    {
      name: 'a decision reasonId is an operator',
      status: 400,
      code: 'VALIDATION_FAILED',
      run: async () =>
        h.http
          .post(decision('0'.repeat(24)))
          .set(await moderator())
          .send({ action: 'remove', reasonId: { $ne: null } }),
    },
    {
      name: 'a decision is about an unknown notice',
      status: 404,
      code: 'NOT_FOUND',
      run: async () =>
        h.http
          .post(decision('0'.repeat(24)))
          .set(await moderator())
          .send({ action: 'no_action' }),
    },
  ];

  it.each(cases)('when $name, then $status $code in the error shape', async ({ status, code, run }) => {
    expectContractError(await run(), status, code);
  });

  it.each(['nope', '__proto__', '$where', encodeURIComponent('{"$ne":null}'), 'a'.repeat(5000), '%00', 'F'.repeat(24)])(
    'when a notice id is %s, then its status and its decision answer 404 NOT_FOUND',
    async (raw) => {
      expectContractError(await h.http.get(`/api/v1/notices/${raw}`).query({ token: 'x' }), 404, 'NOT_FOUND');
      expectContractError(
        await h.http
          .post(decision(raw))
          .set(await moderator())
          .send({ action: 'no_action' }),
        404,
        'NOT_FOUND',
      );
    },
  );

  it('when any JSON value is POSTed as a notice, then the answer is 201 or a 4xx in the error shape', async () => {
    const shaped = fc.record(
      {
        commentId: fc.oneof(fc.constant(stored.id), fc.jsonValue()),
        reasonId: fc.oneof(fc.constantFrom('olaga_hot', 'reklam'), fc.jsonValue()),
        explanation: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
        notifier: fc.oneof(
          fc.record({ name: fc.string(), email: fc.jsonValue() }, { requiredKeys: [] }),
          fc.jsonValue(),
        ),
        goodFaith: fc.oneof(fc.constant(true), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), shaped), async (value) => {
        const res = await postRawNotice(JSON.stringify(value));
        if (res.status === 201) return;
        expectContractError(res);
      }),
      { numRuns: 100 },
    );
  });
});

describe('hostile webhook requests (admin)', () => {
  const hooks = () => `/api/v1/admin/sites/${adminSite.id}/webhooks`;
  const postRawHook = (json: string) =>
    h.http.post(hooks()).set(h.admin).set('Content-Type', 'application/json').send(json);
  const valid = { url: 'http://127.0.0.1:9/hook', events: ['comment.published'] };
  let webhookId: string;

  beforeAll(async () => {
    const res = await h.http
      .post(hooks())
      .set(h.admin)
      .send({ ...valid, enabled: false });
    if (res.status !== 201) throw new Error(`webhook not created: ${res.status}`);
    webhookId = res.body.webhook.id;
  });

  const bodies: Array<{ name: string; json: string }> = [
    { name: 'url is an object with an operator', json: '{"url":{"$ne":null},"events":["comment.published"]}' },
    { name: 'url is a javascript: URL', json: '{"url":"javascript:alert(1)","events":["comment.published"]}' },
    { name: 'url is a file: URL', json: '{"url":"file:///etc/passwd","events":["comment.published"]}' },
    { name: 'url is a data: URL', json: '{"url":"data:text/plain,hi","events":["comment.published"]}' },
    { name: 'url holds credentials', json: '{"url":"http://a:b@127.0.0.1/","events":["comment.published"]}' },
    {
      name: 'url is 100 000 characters',
      json: JSON.stringify({ ...valid, url: `http://127.0.0.1/${'a'.repeat(100_000)}` }),
    },
    { name: 'url holds a NUL and a newline', json: JSON.stringify({ ...valid, url: 'http://127.0.0.1/\u0000\n' }) },
    { name: 'url is a made-up name (never resolved)', json: JSON.stringify({ ...valid, url: 'http://x.invalid/' }) },
    { name: 'events is a string', json: '{"url":"http://127.0.0.1/","events":"comment.published"}' },
    { name: 'events is empty', json: '{"url":"http://127.0.0.1/","events":[]}' },
    { name: 'events repeats a type', json: '{"url":"http://127.0.0.1/","events":["comment.held","comment.held"]}' },
    { name: 'events names an unknown type', json: '{"url":"http://127.0.0.1/","events":["ping"]}' },
    { name: 'events holds an object', json: '{"url":"http://127.0.0.1/","events":[{"$gt":""}]}' },
    {
      name: 'events is 10 000 entries',
      json: JSON.stringify({ ...valid, events: Array(10_000).fill('comment.held') }),
    },
    { name: 'a secret is sent', json: JSON.stringify({ ...valid, secret: 'whsec_mine' }) },
    {
      name: '__proto__ is sent',
      json: '{"url":"http://127.0.0.1/","events":["comment.held"],"__proto__":{"polluted":true}}',
    },
    { name: 'the body is an array', json: '[1,2]' },
    { name: 'the body is null', json: 'null' },
  ];

  it.each(bodies)('when POSTed with $name, then 400 VALIDATION_FAILED', async ({ json }) => {
    expectContractError(await postRawHook(json), 400, 'VALIDATION_FAILED');
  });

  it.each(bodies.filter((b) => !/array|null/.test(b.name)))(
    'when PATCHed with $name, then 400 VALIDATION_FAILED and the webhook is unchanged',
    async ({ json }) => {
      const res = await h.http
        .patch(`${hooks()}/${webhookId}`)
        .set(h.admin)
        .set('Content-Type', 'application/json')
        .send(json.replace(/"url":"[^"]*",?/, '"url":"ftp://x/",'));
      expectContractError(res, 400, 'VALIDATION_FAILED');
      const now = await h.http.get(`${hooks()}/${webhookId}`).set(h.admin);
      expect(now.body.webhook).toMatchObject({ url: valid.url, events: valid.events, enabled: false });
    },
  );

  it.each([
    'wh_x',
    '__proto__',
    '$where',
    encodeURIComponent('{"$ne":null}'),
    'a'.repeat(5000),
    `wh_${'0'.repeat(24)}`,
    '%00',
  ])('when the webhook id is %s, then every webhook endpoint answers 404 NOT_FOUND', async (raw) => {
    const one = `${hooks()}/${raw}`;
    expectContractError(await h.http.get(one).set(h.admin), 404, 'NOT_FOUND');
    expectContractError(await h.http.patch(one).set(h.admin).send({ enabled: true }), 404, 'NOT_FOUND');
    expectContractError(await h.http.delete(one).set(h.admin), 404, 'NOT_FOUND');
    expectContractError(await h.http.post(`${one}/rotate-secret`).set(h.admin), 404, 'NOT_FOUND');
    expectContractError(await h.http.post(`${one}/test`).set(h.admin), 404, 'NOT_FOUND');
    expectContractError(await h.http.get(`${one}/deliveries`).set(h.admin), 404, 'NOT_FOUND');
    expectContractError(
      await h.http.post(`${one}/deliveries/whd_${'0'.repeat(24)}/redeliver`).set(h.admin),
      404,
      'NOT_FOUND',
    );
  });

  it.each(['x', '__proto__', 'whd_0', encodeURIComponent('{"$ne":null}'), 'b'.repeat(5000)])(
    'when a redelivery names the delivery %s, then 404 NOT_FOUND',
    async (raw) => {
      expectContractError(
        await h.http.post(`${hooks()}/${webhookId}/deliveries/${raw}/redeliver`).set(h.admin),
        404,
        'NOT_FOUND',
      );
    },
  );

  it.each(['nope', '1.2.3', `${'9'.repeat(16)}.whd_${'0'.repeat(24)}.1`, '{"$gt":""}', '[]', 'a'.repeat(300)])(
    'when the delivery log is read with cursor %s, then 400 VALIDATION_FAILED',
    async (cursor) => {
      expectContractError(
        await h.http.get(`${hooks()}/${webhookId}/deliveries`).query({ cursor }).set(h.admin),
        400,
        'VALIDATION_FAILED',
      );
    },
  );

  it('when the delivery log gets unknown or repeated query parameters, then 400 VALIDATION_FAILED', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'foo=1', 'cursor=a&cursor=b'])
      expectContractError(
        await h.http.get(`${hooks()}/${webhookId}/deliveries?${query}`).set(h.admin),
        400,
        'VALIDATION_FAILED',
      );
  });

  it('when webhook endpoints are called without the admin key, then 401', async () => {
    for (const res of [
      await h.http.get(hooks()),
      await h.http.post(hooks()).send(valid),
      await h.http.post(`${hooks()}/${webhookId}/rotate-secret`).set(await site.bearer()),
    ]) {
      expectContractError(res);
      expect(res.status).toBe(401);
    }
  });

  it('when any JSON value is POSTed as a webhook, then the answer is 201, 409 (limit) or a 4xx in the error shape', async () => {
    const shaped = fc.record(
      {
        url: fc.oneof(fc.webUrl(), fc.jsonValue({ stringUnit: 'binary' })),
        events: fc.oneof(fc.array(fc.constantFrom('comment.held', 'thread.closed', 'x')), fc.jsonValue()),
        enabled: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), shaped), async (value) => {
        const res = await postRawHook(JSON.stringify(value));
        if (res.status === 201) return;
        expectContractError(res);
      }),
      { numRuns: 100 },
    );
  });
});

describe('hostile transparency queries (admin)', () => {
  const figures = () => `/api/v1/admin/sites/${adminSite.id}/transparency`;
  /** A case named by its value, or by its start and length when it is long. */
  const named = (value: string) => ({
    value,
    name: value.length > 60 ? `${value.slice(0, 20)}… (${value.length} characters)` : value || '(empty)',
  });

  it.each(
    [
      'from=yesterday',
      'from=2025-02-30',
      'to=2025-01-01T25:00:00Z',
      'from=2025-01-01T10:00:00',
      'from=%EF%BC%92025-01-01',
      'from=2025-01-01%00',
      `from=${'2'.repeat(5000)}`,
      'from=2025-01-02&to=2025-01-01',
      'from=1900-01-01&to=2025-01-01',
      'from=2025-01-01&from=2025-01-02',
      'from[$gt]=',
      'to[$ne]=null',
      '$where=sleep(1000)',
      '__proto__[polluted]=1',
      'format=csv',
    ].map(named),
  )('when the figures are asked for with ?$name, then 400 VALIDATION_FAILED', async ({ value }) => {
    expectContractError(await h.http.get(`${figures()}?${value}`).set(h.admin), 400, 'VALIDATION_FAILED');
  });

  it.each(['image/png', 'application/xml', 'text/html', '*/*;q=0', 'x'.repeat(4000), ''].map(named))(
    'when the figures are asked for with Accept: $name, then they are answered as JSON (406 is not in the contract)',
    async ({ value }) => {
      const res = await h.http.get(figures()).set(h.admin).set('Accept', value);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.site).toBe(adminSite.id);
    },
  );

  it('when the figures are asked for without the admin key, or of a site id that is hostile, then 401 or 404', async () => {
    expectContractError(await h.http.get(figures()), 401, 'LOGIN_REQUIRED');
    expectContractError(await h.http.get(figures()).set(auth), 401, 'INVALID_TOKEN');
    for (const raw of ['__proto__', encodeURIComponent('{"$ne":null}'), 'a'.repeat(5000), '%00'])
      expectContractError(await h.http.get(`/api/v1/admin/sites/${raw}/transparency`).set(h.admin), 404, 'NOT_FOUND');
  });
});
