import type { TransparencyFigures } from './transparency-figures';

/** A cell a spreadsheet would take for a formula (OWASP's list: = + - @, tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: numbers as they are; text defused against formulas and quoted when it holds a separator, a quote or a line break. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The figures as rows of `section,key,value`: one row per figure, its section the path of
 * the object that holds it in the JSON answer (`report` for the top level), so
 * `notices.byReason,olaga_hot,2` is `notices.byReason.olaga_hot`. Lines end in CRLF (RFC 4180).
 */
export function figuresCsv(figures: TransparencyFigures): string {
  const rows: Array<[string, string, string | number | null]> = [];
  const walk = (section: string, value: Record<string, unknown>) => {
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== null && typeof inner === 'object')
        walk(section === 'report' ? key : `${section}.${key}`, inner as Record<string, unknown>);
      else rows.push([section, key, inner as string | number | null]);
    }
  };
  walk('report', figures as unknown as Record<string, unknown>);
  const lines = [['section', 'key', 'value'], ...rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A date for a file name: the day when the instant is midnight UTC, else the instant without colons. */
export function fileStamp(at: Date): string {
  const iso = at.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
  return `${iso.slice(0, 19).replace(/:/g, '')}Z`;
}
