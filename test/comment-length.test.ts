import { checkCommentText, commentLength } from '../src/shared/comment-text';
import { createSite, Harness, startHarness, TestSite } from './helpers/harness';

let h: Harness;
let site: TestSite;
beforeAll(async () => {
  h = await startHarness();
  site = await createSite(h, { rateLimits: { commentsPerCommenterPerMinute: 1000, commentsPerIpPerMinute: 1000 } });
});
afterAll(async () => {
  await h.close();
});

const FLAG_SE = '\u{1F1F8}\u{1F1EA}'; // 🇸🇪: two code points, one character
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 👨‍👩‍👧: ZWJ sequence, one character
const THUMBS_DARK = '\u{1F44D}\u{1F3FF}'; // 👍🏿: emoji + skin tone, one character
const A_RING_NFD = 'a\u030A'; // "å" typed as a + combining ring
const E_TWO_MARKS = 'e\u0301\u0323'; // e + two combining marks, one character
const FAMILY_OF_FOUR = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}'; // 👨‍👩‍👧‍👦: 7 code points, 25 bytes

/** One perceived character: "x" (no precomposed form takes these marks) carrying `marks` acute accents. */
function xWithMarks(marks: number): string {
  return 'x' + '\u0301'.repeat(marks);
}

/** 300 user-perceived characters mixing emoji, flags and combining marks. */
function mixed(count: number): string {
  const parts = [FLAG_SE, FAMILY, THUMBS_DARK, A_RING_NFD, E_TWO_MARKS, 'ö', 'x'];
  return Array.from({ length: count }, (_, i) => parts[i % parts.length]).join('');
}

async function post(body: string) {
  return h.http
    .post(`/api/v1/sites/${site.id}/comments`)
    .set(await site.bearer())
    .send({ thread: 'langd', body });
}

describe('the shared length function', () => {
  it('when text holds emoji, flags and combining marks, then each counts as one character', () => {
    expect(commentLength(FLAG_SE)).toBe(1);
    expect(commentLength(FAMILY)).toBe(1);
    expect(commentLength(THUMBS_DARK)).toBe(1);
    expect(commentLength(A_RING_NFD)).toBe(1);
    expect(commentLength(E_TWO_MARKS)).toBe(1);
    expect(commentLength(mixed(300))).toBe(300);
  });

  it('when text is NFD, then it counts and stores like NFC', () => {
    const nfd = 'Sk\u00e4rg\u00e5rd'.normalize('NFD');
    expect(nfd.length).toBeGreaterThan(9);
    const check = checkCommentText(nfd, 300);
    expect(check).toEqual({ ok: true, text: 'Skärgård', length: 8 });
  });

  it('when text has outer white space, then it is trimmed before counting', () => {
    expect(commentLength(`  \n\t${'x'.repeat(300)}\n  `)).toBe(300);
  });

  it('when one character carries thousands of marks, then the check refuses it by its code points', () => {
    expect(commentLength(xWithMarks(7000))).toBe(1);
    expect(checkCommentText(xWithMarks(7000), 300)).toEqual({
      ok: false,
      reason: 'too_long',
      unit: 'codePoints',
      length: 7001,
      limit: 2400,
    });
  });

  it('when text is over both the characters and the code points, then the characters are reported', () => {
    expect(checkCommentText(xWithMarks(9).repeat(301), 300)).toEqual({
      ok: false,
      reason: 'too_long',
      unit: 'graphemes',
      length: 301,
      limit: 300,
    });
  });
});

describe('the limit over HTTP', () => {
  it('when a comment has exactly 300 characters with emoji, flags and combining marks, then it is accepted', async () => {
    const res = await post(mixed(300));
    expect(res.status).toBe(201);
    expect(commentLength(res.body.comment.body)).toBe(300);
  });

  it('when a comment has 301 characters, then 422 COMMENT_TOO_LONG names the limit and the length', async () => {
    const res = await post(mixed(301));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('COMMENT_TOO_LONG');
    expect(res.body.error.details).toEqual({ limit: 300, length: 301 });
  });

  it('when 300 "å" arrive in NFD (600 code points), then they are accepted and stored as NFC', async () => {
    const res = await post(A_RING_NFD.repeat(300));
    expect(res.status).toBe(201);
    expect(res.body.comment.body).toBe('\u00e5'.repeat(300));
  });

  it('when 301 "å" arrive in NFD, then they are refused like 301 in NFC', async () => {
    const res = await post(A_RING_NFD.repeat(301));
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual({ limit: 300, length: 301 });
  });

  it('when a comment is 300 characters plus outer white space, then it is accepted', async () => {
    const res = await post(`\n   ${'y'.repeat(300)}   \n`);
    expect(res.status).toBe(201);
  });

  it('when a comment is only white space, then 422 COMMENT_EMPTY', async () => {
    const res = await post(' \n\t\u00a0 ');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('COMMENT_EMPTY');
  });

  it('when a comment holds a control character or a lone surrogate, then 422 COMMENT_INVALID; line breaks and tabs are fine', async () => {
    expect((await post('hej\u0007då')).body.error.code).toBe('COMMENT_INVALID');
    expect((await post('hej\u0000')).body.error.code).toBe('COMMENT_INVALID');
    const lone = await h.http
      .post(`/api/v1/sites/${site.id}/comments`)
      .set(await site.bearer())
      .set('Content-Type', 'application/json')
      .send('{"thread":"langd","body":"hej \\ud800 d\\u00e5"}');
    expect(lone.status).toBe(422);
    expect(lone.body.error.code).toBe('COMMENT_INVALID');
    const ok = await post('rad ett\nrad\ttvå\r\nrad tre');
    expect(ok.status).toBe(201);
  });

  it('when a comment is one letter with 7,000 combining marks, then 422 COMMENT_TOO_LONG names the code point bound', async () => {
    const res = await post(xWithMarks(7000));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('COMMENT_TOO_LONG');
    expect(res.body.error.details).toEqual({ limit: 2400, length: 7001, unit: 'codePoints' });
  });

  it('when 300 characters hold exactly 8 code points each, then they are accepted; one more mark is refused', async () => {
    const atBound = xWithMarks(7).repeat(300);
    expect((await post(atBound)).status).toBe(201);
    const over = await post(atBound + '\u0301');
    expect(over.status).toBe(422);
    expect(over.body.error.details).toEqual({ limit: 2400, length: 2401, unit: 'codePoints' });
  });

  it('when a comment is 300 flags or skin-toned emoji, then it is accepted', async () => {
    expect((await post(FLAG_SE.repeat(300))).status).toBe(201);
    expect((await post(THUMBS_DARK.repeat(300))).status).toBe(201);
  });

  it('when 300 characters take more than 16 bytes each on average, then 422 COMMENT_TOO_LONG names the byte bound', async () => {
    expect((await post(FAMILY_OF_FOUR.repeat(192))).status).toBe(201); // 4,800 bytes
    const res = await post(FAMILY_OF_FOUR.repeat(300));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('COMMENT_TOO_LONG');
    expect(res.body.error.details).toEqual({ limit: 4800, length: 7500, unit: 'bytes' });
  });

  it('when a site sets maxLength 10, then the thread reports it and the 11th character is refused', async () => {
    const short = await createSite(h, { maxLength: 10 });
    const state = await h.http.get(`/api/v1/sites/${short.id}/thread`).query({ key: 'k' });
    expect(state.body.thread.maxLength).toBe(10);
    const ok = await h.http
      .post(`/api/v1/sites/${short.id}/comments`)
      .set(await short.bearer())
      .send({ thread: 'k', body: '0123456789' });
    expect(ok.status).toBe(201);
    const over = await h.http
      .post(`/api/v1/sites/${short.id}/comments`)
      .set(await short.bearer())
      .send({ thread: 'k', body: '0123456789x' });
    expect(over.body.error.details).toEqual({ limit: 10, length: 11 });
    const piled = await h.http
      .post(`/api/v1/sites/${short.id}/comments`)
      .set(await short.bearer())
      .send({ thread: 'k', body: xWithMarks(80) });
    expect(piled.status).toBe(422);
    expect(piled.body.error.details).toEqual({ limit: 80, length: 81, unit: 'codePoints' });
  });
});
