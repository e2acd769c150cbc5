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

/** The kinds of personal data recognised. */
export type PersonalDataKind =
  | 'email'
  | 'phone'
  | 'personal_identity_number'
  | 'coordination_number'
  | 'payment_card'
  | 'iban';

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

function overlaps(span: Span, taken: readonly Span[]): boolean {
  return taken.some((t) => span.start < t.end && t.start < span.end);
}

// Practical rather than RFC 5322: Unicode letters allowed in the local part and domain.
// The lookbehind makes each attempt start at the beginning of a token, keeping it linear.
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu;

function findEmails(text: string): Span[] {
  return [...text.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

// IBANs start with a country code and two check digits, printed either in one block or
// in groups of four. Lower case is accepted; ibantools upper-cases before validating.
const IBAN_START = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}[A-Z0-9]*(?: [A-Z0-9]+)*/giu;
const IBAN_MIN_LENGTH = 15; // Norway
const IBAN_MAX_LENGTH = 34;

function findIbans(text: string): Span[] {
  const found: Span[] = [];
  const re = new RegExp(IBAN_START);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    // The run may continue past the IBAN into following words ("… 7466 OBS"), so try
    // each prefix that ends at a group boundary, longest first.
    const groups = m[0].split(' ');
    let hit: Span | undefined;
    for (let count = groups.length; count >= 1 && !hit; count--) {
      const compact = groups.slice(0, count).join('');
      if (compact.length < IBAN_MIN_LENGTH || compact.length > IBAN_MAX_LENGTH) continue;
      const end = m.index + groups.slice(0, count).join(' ').length;
      if (/[\p{L}\p{N}]/u.test(text.charAt(end))) continue;
      if (isValidIBAN(electronicFormatIBAN(compact) ?? '')) hit = { start: m.index, end };
    }
    if (hit) found.push(hit);
    // A run without an IBAN may have swallowed the start of one; resume right after its start.
    re.lastIndex = hit ? hit.end : m.index + 1;
  }
  return found;
}

// 10 or 12 digits (YYMMDD or YYYYMMDD, then four), optionally "-" or "+" before the last
// four ("+" marks someone aged 100 or more), not part of a longer digit string.
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

function findIdentityNumbers(text: string, taken: readonly Span[]): { kind: IdentityKind; span: Span }[] {
  const found: { kind: IdentityKind; span: Span }[] = [];
  for (const m of text.matchAll(IDENTITY_NUMBER)) {
    const span = { start: m.index, end: m.index + m[0].length };
    const kind = overlaps(span, taken) ? undefined : identityKind(m[0]);
    if (kind) found.push({ kind, span });
  }
  return found;
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

function isCardNumber(groups: readonly string[]): boolean {
  const digits = groups.join('');
  if (digits.length < CARD_MIN_DIGITS || digits.length > CARD_MAX_DIGITS) return false;
  // Printed cards group digits in 3–6 (4-4-4-4, 4-6-5, …); one block is also common.
  if (groups.length > 1 && groups.some((g) => g.length < 3 || g.length > 6)) return false;
  // "0000 0000 0000 0" passes Luhn but is no card.
  if (/^(\d)\1*$/.test(digits)) return false;
  return luhnValid(digits);
}

function findPaymentCards(text: string, taken: readonly Span[]): Span[] {
  const found: Span[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    // A card may be printed next to other numbers ("… 1111 123" with the CVC), so check
    // every consecutive stretch of groups, not only the whole run.
    const groups = m[0].split(/[ -]/);
    const offsets: number[] = [];
    let offset = m.index;
    for (const g of groups) {
      offsets.push(offset);
      offset += g.length + 1;
    }
    for (let i = 0; i < groups.length; i++) {
      for (let j = i; j < groups.length; j++) {
        const stretch = groups.slice(i, j + 1);
        if (stretch.join('').length > CARD_MAX_DIGITS) break;
        const span = { start: offsets[i] as number, end: (offsets[j] as number) + (groups[j] as string).length };
        if (isCardNumber(stretch) && !overlaps(span, taken) && !overlaps(span, found)) found.push(span);
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

function findPhones(text: string, taken: readonly Span[]): Span[] {
  return findPhoneNumbersInText(text, 'SE')
    .map((m) => ({ start: m.startsAt, end: m.endsAt }))
    .filter((span) => looksDialable(text.slice(span.start, span.end)) && !overlaps(span, taken));
}

/**
 * Kinds of personal data found in a text, each at most once, in a fixed order (that of
 * `PersonalDataKind`). Numbers recognised as one kind are not reported as another: an
 * IBAN is not also a card, an identity number is not also a phone.
 */
export function findPersonalData(text: string): PersonalDataKind[] {
  const normalized = text.normalize('NFC');
  const kinds = new Set<PersonalDataKind>();

  const emails = findEmails(normalized);
  if (emails.length > 0) kinds.add('email');

  // Most specific first, so that each digit span counts as one kind only.
  const ibans = findIbans(normalized);
  if (ibans.length > 0) kinds.add('iban');
  const identities = findIdentityNumbers(normalized, ibans);
  for (const { kind } of identities) kinds.add(kind);
  const taken = [...emails, ...ibans, ...identities.map((i) => i.span)];
  const cards = findPaymentCards(normalized, taken);
  if (cards.length > 0) kinds.add('payment_card');
  if (findPhones(normalized, [...taken, ...cards]).length > 0) kinds.add('phone');

  return KIND_ORDER.filter((k) => kinds.has(k));
}
