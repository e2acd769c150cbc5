/**
 * Link counting for comment text: many links in a short comment is the classic mark of spam.
 */
import { LinkifyIt } from 'linkify-it';
import { normalizeForRules } from './normalize';

// Fuzzy links count too ("www.example.se", "example.com"): spammers rarely type "https://".
// E-mail addresses are personal data, not links, and are left to personal-data.ts.
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: false });

/**
 * Number of links (URLs, www. addresses and bare domains) in a text. Linear in the text:
 * linkify-it scans forward with its patterns' lastIndex and bounds every link it tries
 * (maxLength), so no part of the text is read again for each link found.
 */
export function countLinks(text: string): number {
  const matches = linkify.match(normalizeForRules(text)) ?? [];
  return matches.filter((m) => m.schema !== 'mailto:').length;
}
