/**
 * Whole-word matching of a site's blocked-word list against comment text.
 *
 * Pure and synchronous: the moderation worker compiles a list once and calls `find` per
 * comment. Matching is case-insensitive (Swedish lower-casing), Unicode-aware and
 * tolerant of the cheap tricks people use to slip a word past a filter: repeated
 * letters ("skrääääp") and punctuation between letters ("s.k.r.ä.p", "skr-äp").
 */

/** Finds which configured entries occur in a text. */
export interface WordMatcher {
  /** The entries, exactly as configured and in list order, that occur in `text`. */
  find(text: string): string[];
}

// Characters people insert between letters to dodge filters. They are ignored between
// letters, and dropped from entries so that "e-post" also matches "epost".
const SEPARATOR_CHARS = '.\\-_*\u00B7\u2010\u2011\u2012\u2013\u2022\u2027\u2219';
const SEPARATORS = `[${SEPARATOR_CHARS}]*`;
const SEPARATOR_CHAR = new RegExp(`[${SEPARATOR_CHARS}]`, 'u');

// A word boundary is any position not between two letters, digits or combining marks, so
// "skräp" is found in "Skräp!" but not in "skräpig" or "oskräp".
const BEFORE_WORD = '(?<![\\p{L}\\p{N}\\p{M}])';
const AFTER_WORD = '(?![\\p{L}\\p{N}\\p{M}])';

// One user-visible letter: a base character with the combining marks that NFC left on it.
const UNIT = /\P{M}\p{M}*/gu;

function normalize(s: string): string {
  return s.normalize('NFC').toLocaleLowerCase('sv');
}

// Only syntax characters may be escaped under the `u` flag; "\-" would be a syntax error.
function escapeUnit(unit: string): string {
  return unit.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * Pattern for one word of an entry. Each run of equal letters becomes "that letter at
 * least as many times as in the entry", so "skräp" matches "skrääääp" while "ass" does
 * not match "as". Separators may stand between any two letters.
 *
 * ReDoS: a separator class and a letter never overlap, so every input character can be
 * consumed by exactly one part of the pattern; backtracking is at worst quadratic in the
 * number of consecutive separators, never exponential.
 */
function wordPattern(word: string): string | undefined {
  const units = (word.match(UNIT) ?? []).filter((u) => !SEPARATOR_CHAR.test(u));
  if (units.length === 0) return undefined;
  const runs: string[] = [];
  for (let i = 0; i < units.length; ) {
    const unit = units[i] as string;
    let count = 1;
    while (units[i + count] === unit) count++;
    const u = escapeUnit(unit);
    runs.push(`${u}(?:${SEPARATORS}${u}){${count - 1},}`);
    i += count;
  }
  return runs.join(SEPARATORS);
}

/** Compiles one entry, or returns undefined for entries with nothing to match. */
function compileEntry(entry: string): RegExp | undefined {
  let body = normalize(entry).trim();
  const prefix = body.endsWith('*');
  if (prefix) body = body.replace(/\*+$/u, '');
  const words = body
    .split(/\s+/u)
    .map(wordPattern)
    .filter((p): p is string => p !== undefined);
  if (words.length === 0) return undefined;
  // Words of a phrase may be separated by any amount of white space.
  return new RegExp(BEFORE_WORD + words.join('\\s+') + (prefix ? '' : AFTER_WORD), 'u');
}

/**
 * Compiles a word list. An entry ending in `*` matches words starting with it ("skräp*"
 * matches "skräpig"); other entries match whole words only. Entries may be phrases
 * ("dra åt skogen"). Empty entries are ignored.
 */
export function compileWordList(words: string[]): WordMatcher {
  const compiled: { entry: string; pattern: RegExp }[] = [];
  const seen = new Set<string>();
  for (const entry of words) {
    if (seen.has(entry)) continue;
    seen.add(entry);
    const pattern = compileEntry(entry);
    if (pattern) compiled.push({ entry, pattern });
  }
  return {
    find(text: string): string[] {
      const normalized = normalize(text);
      return compiled.filter(({ pattern }) => pattern.test(normalized)).map(({ entry }) => entry);
    },
  };
}
