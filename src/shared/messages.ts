import type { ErrorCode } from './errors';

export type Language = 'sv' | 'en';

/** Error messages a reader may see, Swedish first. */
const MESSAGES: Record<ErrorCode, Record<Language, string>> = {
  VALIDATION_FAILED: {
    sv: 'Begäran innehåller fel eller okända fält.',
    en: 'The request has invalid or unknown fields.',
  },
  LOGIN_REQUIRED: { sv: 'Du måste vara inloggad för att få kommentera.', en: 'You must be logged in to comment.' },
  INVALID_TOKEN: {
    sv: 'Inloggningen är ogiltig eller har gått ut. Logga in igen.',
    en: 'Your login is invalid or has expired. Please log in again.',
  },
  FORBIDDEN: { sv: 'Du har inte behörighet att göra detta.', en: 'You are not allowed to do this.' },
  BANNED: {
    sv: 'Du är avstängd från att kommentera på den här webbplatsen.',
    en: 'You are banned from commenting on this site.',
  },
  NOT_FOUND: { sv: 'Det du söker finns inte.', en: 'Not found.' },
  METHOD_NOT_ALLOWED: {
    sv: 'Adressen finns, men inte för den här metoden.',
    en: 'This address exists, but not for this method.',
  },
  THREAD_CLOSED: { sv: 'Stängd för fler kommentarer.', en: 'Closed for more comments.' },
  ALREADY_DECIDED: {
    sv: 'Någon annan har redan fattat beslut om den här kommentaren.',
    en: 'Someone else has already decided on this comment.',
  },
  EDIT_WINDOW_CLOSED: {
    sv: 'Tiden för att ändra kommentaren har gått ut.',
    en: 'The time for editing this comment has run out.',
  },
  SAME_MODERATOR: {
    sv: 'Ett överklagande prövas av en annan moderator än den som fattade beslutet.',
    en: 'An appeal is decided by a moderator other than the one who made the decision.',
  },
  NOT_APPEALABLE: {
    sv: 'Det finns inget beslut att överklaga här.',
    en: 'There is no decision to appeal here.',
  },
  APPEAL_TOO_LATE: {
    sv: 'Tiden för att överklaga beslutet har gått ut.',
    en: 'The time for appealing this decision has run out.',
  },
  REASON_REQUIRED: {
    sv: 'Ange ett skäl ur webbplatsens lista (reasonId).',
    en: "Name a reason from the site's list (reasonId).",
  },
  CONFLICT: {
    sv: 'Begäran krockade med en annan ändring. Försök igen.',
    en: 'The request conflicted with another change. Please try again.',
  },
  PAYLOAD_TOO_LARGE: { sv: 'Begäran är för stor.', en: 'The request is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { sv: 'Begäran måste skickas som JSON.', en: 'The request must be sent as JSON.' },
  COMMENT_EMPTY: { sv: 'Kommentaren är tom.', en: 'The comment is empty.' },
  COMMENT_TOO_LONG: { sv: 'Kommentaren är för lång.', en: 'The comment is too long.' },
  COMMENT_INVALID: {
    sv: 'Kommentaren innehåller otillåtna tecken.',
    en: 'The comment contains characters that are not allowed.',
  },
  RATE_LIMITED: {
    sv: 'Du skickar för många kommentarer. Vänta en stund och försök igen.',
    en: 'You are sending too many comments. Wait a moment and try again.',
  },
  INTERNAL: {
    sv: 'Något gick fel hos oss. Försök igen senare.',
    en: 'Something went wrong on our side. Please try again later.',
  },
  UNAVAILABLE: {
    sv: 'Tjänsten är tillfälligt otillgänglig. Försök igen senare.',
    en: 'The service is temporarily unavailable. Please try again later.',
  },
};

/** The message for a code in the given language. */
export function messageFor(code: ErrorCode, language: Language): string {
  return MESSAGES[code][language];
}
