/**
 * Whole-word matching of a site's blocked-word list against comment text.
 *
 * Pure and synchronous: the moderation worker compiles a list once and calls `find` per
 * comment. Matching is case-insensitive (Swedish lower-casing), Unicode-aware and
 * tolerant of the cheap tricks people use to slip a word past a filter: repeated
 * letters ("skrääääp") and punctuation between letters ("s.k.r.ä.p", "skr-äp").
 *
 * Time is linear in the text: it is read once, letter by letter, and every entry is an
 * automaton with a fixed set of states (no backtracking), so each letter costs at most
 * the states of the entries it can continue.
 */
import { normalizeForRules } from './normalize';
import { step } from './steps';

/** Finds which configured entries occur in a text. */
export interface WordMatcher {
  /** The entries, exactly as configured and in list order, that occur in `text`. */
  find(text: string): string[];
}

// Characters people insert between letters to dodge filters. They are ignored between
// letters, and dropped from entries so that "e-post" also matches "epost".
const SEPARATOR_CHARS = '.\\-_*\u00B7\u2010\u2011\u2012\u2013\u2022\u2027\u2219';
const SEPARATOR_CHAR = new RegExp(`[${SEPARATOR_CHARS}]`, 'u');

// One user-visible letter: a base character with the combining marks that NFC left on it.
const UNIT = /\P{M}\p{M}*/gu;

function normalize(s: string): string {
  return normalizeForRules(s).toLocaleLowerCase('sv');
}

// ---------------------------------------------------------------------------------------
// Text: a sequence of letters (base character plus its marks), each classified once.

const SEPARATOR = 1; // a separator alone, without marks
const SPACE = 2; // a white-space character alone, without marks
const OTHER = 3;

interface Letters {
  text: string[];
  kind: Uint8Array;
  // A word boundary is any position not between two letters, digits or combining marks,
  // so "skräp" is found in "Skräp!" but not in "skräpig" or "oskräp".
  startsWordChar: Uint8Array;
  endsWordChar: Uint8Array;
}

// Alternatives in order: white space, a separator (neither carrying marks), a letter or
// digit with its marks, any other base with its marks, and marks with no base (only at
// the start of the text).
const LETTER = new RegExp(
  `(\\s(?!\\p{M}))|([${SEPARATOR_CHARS}](?!\\p{M}))|([\\p{L}\\p{N}]\\p{M}*)|(\\P{M}\\p{M}*)|(\\p{M}+)`,
  'gu',
);

function lettersOf(normalized: string): Letters {
  const text: string[] = [];
  const kinds: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of normalized.matchAll(LETTER)) {
    step();
    const letter = m[0];
    text.push(letter);
    kinds.push(m[1] ? SPACE : m[2] ? SEPARATOR : OTHER);
    const wordChar = m[3] !== undefined || m[5] !== undefined;
    starts.push(wordChar ? 1 : 0);
    // A base that is no letter still ends with a word character when marks follow it.
    ends.push(wordChar || letter.length > String.fromCodePoint(letter.codePointAt(0) as number).length ? 1 : 0);
  }
  return {
    text,
    kind: Uint8Array.from(kinds),
    startsWordChar: Uint8Array.from(starts),
    endsWordChar: Uint8Array.from(ends),
  };
}

// ---------------------------------------------------------------------------------------
// Entries: each becomes a list of slots, one per letter to match, and runs as a small
// nondeterministic automaton over the letters of the text.

/**
 * An entry as slots. A run of equal letters becomes that many slots, the last of which
 * may absorb more of the same letter ("skräp" matches "skrääääp", "ass" does not match
 * "as"). Separators may stand between any two letters of a word; white space (at least
 * one character, nothing else) between the words of a phrase.
 */
interface Entry {
  entry: string;
  slots: string[];
  /** Slot may take more of its letter: the last slot of a run. */
  repeatable: boolean[];
  /** Slot ends a word that is not the last one of the phrase. */
  endsWord: boolean[];
  /** Entry ended in `*`: words starting with it match, and nothing is required after. */
  prefix: boolean;
  /** Index of the entry's first state among all states of the list. */
  firstState: number;
}

// States of an entry: "slots 0..s-1 consumed" (s = 1..n) in one of three modes.
const JUST_MATCHED = 0; // the last text letter was slot s-1's letter
const AFTER_SEPARATORS = 1; // then one or more separators
const AFTER_SPACE = 2; // slot s-1 ended a word, then one or more white-space characters
const MODES = 3;

function wordUnits(word: string): string[] {
  return (word.match(UNIT) ?? []).filter((u) => !SEPARATOR_CHAR.test(u));
}

/** Compiles one entry, or returns undefined for entries with nothing to match. */
function compileEntry(entry: string, firstState: number): Entry | undefined {
  let body = normalize(entry).trim();
  const prefix = body.endsWith('*');
  if (prefix) body = body.replace(/\*+$/u, '');
  const words = body
    .split(/\s+/u)
    .map(wordUnits)
    .filter((units) => units.length > 0);
  if (words.length === 0) return undefined;
  const slots: string[] = [];
  const repeatable: boolean[] = [];
  const endsWord: boolean[] = [];
  words.forEach((units, w) => {
    units.forEach((unit, i) => {
      slots.push(unit);
      repeatable.push(units[i + 1] !== unit);
      endsWord.push(i === units.length - 1 && w < words.length - 1);
    });
  });
  return { entry, slots, repeatable, endsWord, prefix, firstState };
}

function stateCount(e: Entry): number {
  return e.slots.length * MODES;
}

/** Whether text letter `letter` fills slot `slot`: the last letter of a prefix entry may carry more marks. */
function fills(e: Entry, slot: number, letter: string): boolean {
  const wanted = e.slots[slot] as string;
  return letter === wanted || (e.prefix && slot === e.slots.length - 1 && letter.startsWith(wanted));
}

/**
 * Compiles a word list. An entry ending in `*` matches words starting with it ("skräp*"
 * matches "skräpig"); other entries match whole words only. Entries may be phrases
 * ("dra åt skogen"). Empty entries are ignored.
 */
export function compileWordList(words: string[]): WordMatcher {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let states = 0;
  for (const word of words) {
    if (seen.has(word)) continue;
    seen.add(word);
    const e = compileEntry(word, states);
    if (!e) continue;
    entries.push(e);
    states += stateCount(e);
  }
  // Entries by the first code point of their first letter: a letter can only start the
  // entries filed under its own first code point.
  const byFirst = new Map<number, number[]>();
  entries.forEach((e, index) => {
    const first = (e.slots[0] as string).codePointAt(0) as number;
    const filed = byFirst.get(first);
    if (filed) filed.push(index);
    else byFirst.set(first, [index]);
  });
  return { find: (text) => findEntries(entries, byFirst, states, lettersOf(normalize(text))) };
}

function findEntries(entries: Entry[], byFirst: Map<number, number[]>, states: number, letters: Letters): string[] {
  const found = new Array<boolean>(entries.length).fill(false);
  // Live states as (entry index, state within the entry); `addedAt` drops duplicates.
  let live: number[] = [];
  let next: number[] = [];
  const addedAt = new Int32Array(states).fill(-1);
  const n = letters.text.length;

  for (let i = 0; i < n; i++) {
    step();
    const letter = letters.text[i] as string;
    const kind = letters.kind[i] as number;
    const boundaryAfter = i + 1 >= n || letters.startsWordChar[i + 1] === 0;
    next.length = 0;

    const enter = (index: number, slotsDone: number, mode: number): void => {
      const e = entries[index] as Entry;
      if (found[index]) return;
      if (mode === JUST_MATCHED && slotsDone === e.slots.length && (e.prefix || boundaryAfter)) {
        found[index] = true;
        return;
      }
      const state = (slotsDone - 1) * MODES + mode;
      if (addedAt[e.firstState + state] === i) return;
      addedAt[e.firstState + state] = i;
      next.push(index, state);
    };

    for (let k = 0; k < live.length; k += 2) {
      step();
      const index = live[k] as number;
      if (found[index]) continue;
      const e = entries[index] as Entry;
      const state = live[k + 1] as number;
      const slotsDone = Math.floor(state / MODES) + 1;
      const mode = state % MODES;
      const last = slotsDone - 1;
      if (mode === AFTER_SPACE) {
        if (kind === SPACE) enter(index, slotsDone, AFTER_SPACE);
        else if (fills(e, slotsDone, letter)) enter(index, slotsDone + 1, JUST_MATCHED);
        continue;
      }
      if (kind === SEPARATOR) {
        enter(index, slotsDone, AFTER_SEPARATORS);
        continue;
      }
      if (e.repeatable[last] && letter === e.slots[last]) enter(index, slotsDone, JUST_MATCHED);
      if (e.endsWord[last]) {
        if (mode === JUST_MATCHED && kind === SPACE) enter(index, slotsDone, AFTER_SPACE);
      } else if (slotsDone < e.slots.length && fills(e, slotsDone, letter)) {
        enter(index, slotsDone + 1, JUST_MATCHED);
      }
    }

    const wordStart = i === 0 || letters.endsWordChar[i - 1] === 0;
    if (wordStart) {
      for (const index of byFirst.get(letter.codePointAt(0) as number) ?? []) {
        step();
        if (fills(entries[index] as Entry, 0, letter)) enter(index, 1, JUST_MATCHED);
      }
    }
    [live, next] = [next, live];
  }
  return entries.filter((_, index) => found[index]).map((e) => e.entry);
}
