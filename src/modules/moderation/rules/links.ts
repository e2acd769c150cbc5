/**
 * Link counting for comment text: many links in a short comment is the classic mark of spam.
 */
import { LinkifyIt } from 'linkify-it';

// Fuzzy links count too ("www.example.se", "example.com"): spammers rarely type "https://".
// E-mail addresses are personal data, not links, and are left to personal-data.ts.
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: false });

/** Number of links (URLs, www. addresses and bare domains) in a text. */
export function countLinks(text: string): number {
  const matches = linkify.match(text.normalize('NFC')) ?? [];
  return matches.filter((m) => m.schema !== 'mailto:').length;
}
