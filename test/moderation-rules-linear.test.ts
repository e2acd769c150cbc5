/**
 * The moderation rules must take time linear in the text, whatever the text: a worker
 * runs them on every comment, and the API's limits on a comment are not theirs to rely on.
 *
 * Nothing here is timed. Two kinds of evidence:
 * - the rules count their elementary steps (rules/steps.ts): on twice the text they take
 *   about twice the steps, where quadratic work would take four times and cubic eight;
 * - adversarial inputs of 100,000 to 1,000,000 characters, on which the rules before this
 *   file took from half a minute to hours, while linear ones take well under a second.
 *   They also cover the work steps cannot count: that of regular expressions, Unicode
 *   normalization and libraries. Jest cannot interrupt synchronous code on its own thread
 *   (a slow synchronous test simply passes late), so each of these runs the rule in a
 *   worker thread: a superlinear rule then fails at jest's test timeout.
 */
import { Worker } from 'node:worker_threads';
import { findPersonalData } from '../src/modules/moderation/rules/personal-data';
import { stepsTaken } from '../src/modules/moderation/rules/steps';
import { compileWordList } from '../src/modules/moderation/rules/word-matcher';

/** `piece` repeated to `length` code units. */
function repeatTo(piece: string, length: number): string {
  return piece.repeat(Math.ceil(length / piece.length)).slice(0, length);
}

const WORD_LIST = [
  'skräp',
  'skit',
  'svin',
  'slask',
  'aaaaaaaaab',
  'a a a a b',
  'ass',
  'aa*',
  'dra åt skogen',
  'skräp*',
];

// One letter carrying many combining marks of alternating classes: Unicode normalization
// must sort them, which V8 does by insertion (time grows with the square of the run).
const MARK_PILE = 'a' + '\u0301\u0323'.repeat(250_000);

const IBAN = 'SE45 5000 0000 0583 9825 7466';

describe('steps the rules take', () => {
  function stepsFor(rule: (text: string) => unknown, text: string): number {
    const before = stepsTaken();
    rule(text);
    return stepsTaken() - before;
  }

  /** How a rule's steps grow from n to 2n characters of `piece` repeated. */
  function growth(rule: (text: string) => unknown, piece: string, n = 20_000): { ratio: number; perCharacter: number } {
    const small = stepsFor(rule, repeatTo(piece, n));
    const large = stepsFor(rule, repeatTo(piece, 2 * n));
    return { ratio: large / small, perCharacter: large / (2 * n) };
  }

  // Linear work doubles with the text (plus a constant); quadratic work would give 4.
  const LINEAR_RATIO = 2.05;
  // Per character, linear work is a constant; quadratic work would be in the tens of
  // thousands at 40,000 characters.
  const MAX_STEPS_PER_CHARACTER = 200;

  const matcher = compileWordList(WORD_LIST);

  it.each([
    ['repeated first letters with separators', 's.'],
    ['repeated letters with many separators', 'a.-_*·.-_*·'],
    ['one letter repeated', 'ä'],
    ['near-miss words and phrases', 'skrä s.k.r.ä skrääb-i dra åt skog a a a a '],
    ['letters with combining marks', 'a\u0301\u0323'],
  ])('when the word matcher reads %s, then its steps grow linearly', (_, piece) => {
    const { ratio, perCharacter } = growth((text) => matcher.find(text), piece);
    expect(ratio).toBeLessThan(LINEAR_RATIO);
    expect(perCharacter).toBeLessThan(MAX_STEPS_PER_CHARACTER);
  });

  it.each([
    ['IBAN-like groups', 'SE45 '],
    ['an IBAN-like run of groups', '0000 '],
    ['digit groups with spaces', '1 '],
    ['card-like groups', '4111 '],
    ['identity numbers, cards and IBANs', `811228-9874 4111 1111 1111 1111 ${IBAN} `],
    ['e-mail addresses', 'a@b.se '],
  ])('when personal-data detection reads %s, then its steps grow linearly', (_, piece) => {
    const { ratio, perCharacter } = growth((text) => findPersonalData(`SE45 ${text}`), piece);
    expect(ratio).toBeLessThan(LINEAR_RATIO);
    expect(perCharacter).toBeLessThan(MAX_STEPS_PER_CHARACTER);
  });
});

type Rule = 'words' | 'personalData' | 'links';

const MODULES: Record<Rule, string> = {
  words: require.resolve('../src/modules/moderation/rules/word-matcher'),
  personalData: require.resolve('../src/modules/moderation/rules/personal-data'),
  links: require.resolve('../src/modules/moderation/rules/links'),
};

const RUN_RULE = `
const { parentPort, workerData: { module, rule, text, words } } = require('node:worker_threads');
const rules = require(module);
const result =
  rule === 'words' ? rules.compileWordList(words).find(text)
  : rule === 'personalData' ? rules.findPersonalData(text)
  : rules.countLinks(text);
parentPort.postMessage(result);
`;

const workers = new Set<Worker>();
afterEach(async () => {
  await Promise.all([...workers].map((w) => w.terminate()));
  workers.clear();
});

/** What a rule answers on a text, computed in a worker thread. */
function runRule(rule: Rule, text: string): Promise<unknown> {
  const worker = new Worker(RUN_RULE, {
    eval: true,
    workerData: { module: MODULES[rule], rule, text, words: WORD_LIST },
  });
  workers.add(worker);
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('word matcher on adversarial text', () => {
  it('when the first letter of entries repeats with separators, then matching finishes', async () => {
    expect(await runRule('words', repeatTo('s.', 200_000))).toEqual([]);
    expect(await runRule('words', repeatTo('s-', 200_000) + ' skräp')).toEqual(['skräp', 'skräp*']);
  });

  it('when many separators stand between repeated letters, then matching finishes', async () => {
    expect(await runRule('words', repeatTo('s.-_*·.-_*·', 200_000))).toEqual([]);
    expect(await runRule('words', repeatTo('a.-_*·.-_*·', 200_000))).toEqual(['aa*']);
  });

  it('when one letter repeats a million times, then matching finishes', async () => {
    expect(await runRule('words', 'ä'.repeat(1_000_000) + 'x')).toEqual([]);
    expect(await runRule('words', 's'.repeat(1_000_000))).toEqual([]);
  });

  it('when the text is many near-miss words and phrases, then matching finishes', async () => {
    expect(await runRule('words', repeatTo('skrä s.k.r.ä skrääb-i dra åt skog ', 500_000))).toEqual([]);
    expect(await runRule('words', repeatTo('a a a a a a a a ', 500_000))).toEqual([]);
  });

  it('when one letter carries a huge pile of combining marks, then matching finishes', async () => {
    expect(await runRule('words', `${MARK_PILE} skräp`)).toEqual(['skräp', 'skräp*']);
  });
});

describe('personal data on adversarial text', () => {
  it('when the text is 100,000 characters of IBAN-like groups, then detection finishes', async () => {
    expect(await runRule('personalData', repeatTo('SE45 ', 100_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('AB12 ', 100_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('SE45 5000 ', 100_000) + ` ${IBAN}`)).toEqual(['iban']);
  });

  it('when an IBAN-like run of groups goes on for 250,000 characters, then detection finishes', async () => {
    expect(await runRule('personalData', `SE45${'0'.repeat(250_000)}`)).toEqual([]);
    expect(await runRule('personalData', `SE45 ${'0000 '.repeat(50_000)}`)).toEqual([]);
  });

  it('when the text is long digit runs with separators, then detection finishes', async () => {
    expect(await runRule('personalData', repeatTo('1 ', 100_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('1-', 100_000))).toEqual([]);
    expect(await runRule('personalData', '4'.repeat(1_000_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('4111 ', 100_000))).toEqual([]);
  });

  it('when the text holds thousands of identity numbers, cards and IBANs, then each kind is found', async () => {
    const many = repeatTo(`811228-9874 4111 1111 1111 1111 ${IBAN} `, 100_000);
    expect(await runRule('personalData', many)).toEqual(['personal_identity_number', 'payment_card', 'iban']);
  });

  it('when the text is e-mail-like for 100,000 characters, then detection finishes', async () => {
    expect(await runRule('personalData', repeatTo('a.', 100_000) + '@')).toEqual([]);
    expect(await runRule('personalData', 'x@' + repeatTo('a.', 100_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('a@', 100_000))).toEqual([]);
    expect(await runRule('personalData', repeatTo('a@b.se ', 100_000))).toEqual(['email']);
  });

  it('when one letter carries a huge pile of combining marks, then detection finishes', async () => {
    expect(await runRule('personalData', `${MARK_PILE} 811228-9874`)).toEqual(['personal_identity_number']);
  });
});

describe('links on adversarial text', () => {
  it('when the text is link-like for a million characters, then counting finishes', async () => {
    expect(await runRule('links', repeatTo('a.se/(a ', 1_000_000))).toBe(125_000);
    expect(await runRule('links', 'http://a.se/' + '(('.repeat(500_000))).toBe(1);
    expect(await runRule('links', repeatTo('a.', 1_000_000))).toBe(0);
  });

  it('when one letter carries a huge pile of combining marks, then counting finishes', async () => {
    expect(await runRule('links', `${MARK_PILE} www.example.se`)).toBe(1);
  });
});
