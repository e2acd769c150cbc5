/**
 * Detection of personal data in comment text, so that the moderation worker can hold
 * a comment back before someone's identity number or phone number is published.
 *
 * Pure and synchronous. Every number is validated (checksum, date, numbering plan) so
 * that ordinary numbers in a comment — years, prices, dates, order numbers — do not fire.
 */
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { findPhoneNumbersInText } from 'libphonenumber-js/max';
import Personnummer from 'personnummer';
import { normalizeForRules } from './normalize';
import { step } from './steps';

/** The kinds of personal data recognised. */
export type PersonalDataKind =
  'email' | 'phone' | 'personal_identity_number' | 'coordination_number' | 'payment_card' | 'iban';

// The order findPersonalData reports kinds in, whatever order they appear in the text.
const KIND_ORDER: readonly PersonalDataKind[] = [
  'email',
  'phone',
  'personal_identity_number',
  'coordination_number',
  'payment_card',
  'iban',
];

interface Span {
  start: number;
  end: number;
}

// Which kind claimed each character, one bit per kind, so that "does this span overlap
// a number already recognised?" costs the span's length, not the number of spans found.
const CLAIMED_BY_EMAIL = 1;
const CLAIMED_BY_IBAN = 2;
const CLAIMED_BY_IDENTITY = 4;
const CLAIMED_BY_CARD = 8;
const CLAIMED_BY_ANY = 15;

class Claims {
  private readonly owner: Uint8Array;

  constructor(length: number) {
    this.owner = new Uint8Array(length);
  }

  claim(span: Span, kind: number): void {
    step(span.end - span.start);
    for (let i = span.start; i < span.end; i++) this.owner[i] = (this.owner[i] as number) | kind;
  }

  /** Whether no character of the span is claimed by one of `kinds`. */
  isFree(span: Span, kinds: number): boolean {
    step(span.end - span.start);
    for (let i = span.start; i < span.end; i++) if (((this.owner[i] as number) & kinds) !== 0) return false;
    return true;
  }
}

// Practical rather than RFC 5322: Unicode letters allowed in the local part and domain.
// Linear: the lookbehind lets an attempt start only at the beginning of a token, and each
// part of the pattern stops at the first character it cannot take, so every character
// is read by at most two attempts (as a domain, then as the next local part).
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu;

function findEmails(text: string): Span[] {
  return [...text.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

// IBANs start with a country code and two check digits, printed either in one block or
// in groups of four separated by single spaces. Lower case is accepted; ibantools
// upper-cases before validating.
const IBAN_HEAD = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}/gu;
const IBAN_MIN_LENGTH = 15; // Norway
const IBAN_MAX_LENGTH = 34;
const SPACE = 0x20;

function isAsciiLetterOrDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

function isLetterOrNumberAt(text: string, index: number): boolean {
  const code = text.codePointAt(index);
  return code !== undefined && LETTER_OR_NUMBER.test(String.fromCodePoint(code));
}

/**
 * The IBAN starting at `start`, if any. The groups may run on past the IBAN into following
 * words ("… 7466 OBS"), so every prefix ending at a group boundary is a candidate, longest
 * first. Reading stops once the groups hold more than 34 characters, the longest IBAN, so
 * each start costs a bounded amount of work however long the run is.
 */
function ibanAt(text: string, start: number): Span | undefined {
  const candidates: { end: number; compact: string }[] = [];
  let compact = '';
  let groupStart = start;
  for (;;) {
    const room = IBAN_MAX_LENGTH - compact.length;
    let end = groupStart;
    while (end - groupStart <= room && isAsciiLetterOrDigit(text.charCodeAt(end))) {
      end++;
      step();
    }
    if (end - groupStart > room) break;
    compact += text.slice(groupStart, end);
    if (compact.length >= IBAN_MIN_LENGTH) candidates.push({ end, compact });
    if (text.charCodeAt(end) !== SPACE || !isAsciiLetterOrDigit(text.charCodeAt(end + 1))) break;
    groupStart = end + 1;
  }
  for (let i = candidates.length - 1; i >= 0; i--) {
    const { end, compact: candidate } = candidates[i] as { end: number; compact: string };
    step(candidate.length);
    if (isLetterOrNumberAt(text, end)) continue;
    if (isValidIBAN(electronicFormatIBAN(candidate) ?? '')) return { start, end };
  }
  return undefined;
}

function findIbans(text: string, claims: Claims): boolean {
  let found = false;
  let resumeAt = 0;
  for (const m of text.matchAll(IBAN_HEAD)) {
    step();
    if (m.index < resumeAt) continue;
    const span = ibanAt(text, m.index);
    if (!span) continue;
    claims.claim(span, CLAIMED_BY_IBAN);
    found = true;
    resumeAt = span.end;
  }
  return found;
}

// 10 or 12 digits (YYMMDD or YYYYMMDD, then four), optionally "-" or "+" before the last
// four ("+" marks someone aged 100 or more), not part of a longer digit string. Bounded
// length, so each attempt costs at most 13 characters.
const IDENTITY_NUMBER = /(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)/g;

type IdentityKind = 'personal_identity_number' | 'coordination_number';

// The personnummer package checks the Luhn digit and the date (day + 60 for co-ordination
// numbers) and tells the two apart; interim numbers (letters) are rejected by default.
function identityKind(candidate: string): IdentityKind | undefined {
  try {
    return Personnummer.parse(candidate).isCoordinationNumber() ? 'coordination_number' : 'personal_identity_number';
  } catch {
    return undefined;
  }
}

/** Identity numbers not inside an IBAN; returns the kinds found. */
function findIdentityNumbers(text: string, claims: Claims): Set<IdentityKind> {
  const kinds = new Set<IdentityKind>();
  for (const m of text.matchAll(IDENTITY_NUMBER)) {
    const span = { start: m.index, end: m.index + m[0].length };
    const kind = claims.isFree(span, CLAIMED_BY_IBAN) ? identityKind(m[0]) : undefined;
    if (!kind) continue;
    kinds.add(kind);
    claims.claim(span, CLAIMED_BY_IDENTITY);
  }
  return kinds;
}

/** Luhn (mod 10) check over a string of ASCII digits. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Runs of digit groups separated by single spaces or hyphens. Separators and digits
// never overlap, so the pattern is linear.
const DIGIT_RUN = /(?<!\d)\d+(?:[ -]\d+)*/g;
const CARD_MIN_DIGITS = 13;
const CARD_MAX_DIGITS = 19;
// Printed cards group digits in 3–6 (4-4-4-4, 4-6-5, …); one block is also common.
const CARD_GROUP_MIN = 3;
const CARD_GROUP_MAX = 6;

function isCardNumber(digits: string, groupCount: number, groupsPrintable: boolean): boolean {
  if (digits.length < CARD_MIN_DIGITS || digits.length > CARD_MAX_DIGITS) return false;
  if (groupCount > 1 && !groupsPrintable) return false;
  // "0000 0000 0000 0" passes Luhn but is no card.
  if (/^(\d)\1*$/.test(digits)) return false;
  return luhnValid(digits);
}

function findPaymentCards(text: string, claims: Claims): boolean {
  let found = false;
  for (const m of text.matchAll(DIGIT_RUN)) {
    // A card may be printed next to other numbers ("… 1111 123" with the CVC), so check
    // every consecutive stretch of groups, not only the whole run. A stretch holds at
    // most 19 digits, so each group starts a bounded number of stretches.
    const groups = m[0].split(/[ -]/);
    const offsets: number[] = [];
    let offset = m.index;
    for (const g of groups) {
      offsets.push(offset);
      offset += g.length + 1;
    }
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      let printable = true;
      for (let j = i; j < groups.length; j++) {
        const group = groups[j] as string;
        step();
        digits += group;
        if (digits.length > CARD_MAX_DIGITS) break;
        printable &&= group.length >= CARD_GROUP_MIN && group.length <= CARD_GROUP_MAX;
        const span = { start: offsets[i] as number, end: (offsets[j] as number) + group.length };
        if (isCardNumber(digits, j - i + 1, printable) && claims.isFree(span, CLAIMED_BY_ANY)) {
          claims.claim(span, CLAIMED_BY_CARD);
          found = true;
        }
      }
    }
  }
  return found;
}

// Swedish numbers written nationally always start with the trunk prefix 0; anything else
// must carry an international prefix. This keeps dates ("2024-05-01") and year ranges
// ("1994–2024"), which libphonenumber would read as valid 020 numbers, from firing.
function looksDialable(raw: string): boolean {
  const first = raw.match(/[+\d]/)?.[0];
  return first === '+' || first === '0';
}

function findPhones(text: string, claims: Claims): boolean {
  return findPhoneNumbersInText(text, 'SE').some((m) => {
    const span = { start: m.startsAt, end: m.endsAt };
    return looksDialable(text.slice(span.start, span.end)) && claims.isFree(span, CLAIMED_BY_ANY);
  });
}

/**
 * Kinds of personal data found in a text, each at most once, in a fixed order (that of
 * `PersonalDataKind`). Numbers recognised as one kind are not reported as another: an
 * IBAN is not also a card, an identity number is not also a phone.
 *
 * Linear in the text: every pattern reads each character a bounded number of times, every
 * candidate number has a bounded length, and overlaps are looked up per character.
 */
export function findPersonalData(text: string): PersonalDataKind[] {
  const normalized = normalizeForRules(text);
  const claims = new Claims(normalized.length);
  const kinds = new Set<PersonalDataKind>();

  const emails = findEmails(normalized);
  if (emails.length > 0) kinds.add('email');
  for (const span of emails) claims.claim(span, CLAIMED_BY_EMAIL);

  // Most specific first, so that each digit span counts as one kind only.
  if (findIbans(normalized, claims)) kinds.add('iban');
  for (const kind of findIdentityNumbers(normalized, claims)) kinds.add(kind);
  if (findPaymentCards(normalized, claims)) kinds.add('payment_card');
  if (findPhones(normalized, claims)) kinds.add('phone');

  return KIND_ORDER.filter((k) => kinds.has(k));
}
