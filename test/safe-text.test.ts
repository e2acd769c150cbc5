import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import fc from 'fast-check';
import type { ZodTypeAny } from 'zod';
import { chars, httpUrl, safeLine, safeText, siteIdSchema, stripControls } from '../src/shared/safe-text';

/** The JSON Schema the OpenAPI document states for a schema. */
function documented(schema: ZodTypeAny): { pattern: string; minLength?: number; maxLength?: number } {
  const registry = new OpenAPIRegistry();
  registry.register('Subject', schema);
  const components = new OpenApiGeneratorV3(registry.definitions).generateComponents();
  return components.components?.schemas?.Subject as { pattern: string; minLength?: number; maxLength?: number };
}

/** What a JSON Schema validator decides: pattern and length in code points. */
function schemaAccepts(rule: { pattern: string; minLength?: number; maxLength?: number }, s: string): boolean {
  const length = [...s].length;
  return (
    new RegExp(rule.pattern, 'u').test(s) && length >= (rule.minLength ?? 0) && length <= (rule.maxLength ?? Infinity)
  );
}

// Well-formed text with the characters the rules are about mixed in: C0 and C1 controls,
// line breaks and tabs, DEL, non-breaking space, astral characters.
const SPECIAL = [
  '\u0000',
  '\u0008',
  '\t',
  '\n',
  '\u000B',
  '\u000C',
  '\r',
  '\u001B',
  '\u001F',
  '\u007F',
  '\u0085',
  '\u009F',
  '\u00A0',
  'å',
  '😀',
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('lengths in characters', () => {
  it('when a string holds emoji, then each counts once, as the documented maxLength counts', () => {
    expect(chars(0, 10).safeParse('😀'.repeat(10)).success).toBe(true);
    expect(chars(0, 10).safeParse('😀'.repeat(11)).success).toBe(false);
    expect(chars(2, 10).safeParse('😀').success).toBe(false);
    expect(documented(chars(2, 10))).toMatchObject({ minLength: 2, maxLength: 10 });
  });
});

describe('control characters', () => {
  it('when a single line holds any control character, line breaks and tabs included, then it is refused', () => {
    for (const c of ['\u0000', '\t', '\n', '\r', '\u001B', '\u007F', '\u0085', '\u009F']) {
      expect([JSON.stringify(c), safeLine(10).safeParse(`a${c}b`).success]).toEqual([JSON.stringify(c), false]);
    }
    expect(safeLine(10).safeParse('Anna Å 😀').success).toBe(true);
  });

  it('when multi-line text holds line breaks and tabs, then it is accepted; other controls are refused', () => {
    expect(safeText(40).safeParse('rad ett\nrad två\r\n\tindrag').success).toBe(true);
    for (const c of ['\u0000', '\u000B', '\u000C', '\u001B', '\u007F', '\u0085']) {
      expect([JSON.stringify(c), safeText(10).safeParse(`a${c}b`).success]).toEqual([JSON.stringify(c), false]);
    }
  });

  it('when a string holds a lone surrogate, then single lines and text both refuse it', () => {
    expect(safeLine(10).safeParse('a\uD800b').success).toBe(false);
    expect(safeText(10).safeParse('a\uDC00').success).toBe(false);
  });

  it('when any well-formed string is checked, then the documented pattern and length decide as the server does', () => {
    for (const schema of [safeLine(8), safeText(8)]) {
      const rule = documented(schema);
      fc.assert(
        fc.property(text, (s) => {
          expect(schema.safeParse(s).success).toBe(schemaAccepts(rule, s));
        }),
        { numRuns: 500 },
      );
    }
  });

  it('when controls are stripped from a claim, then every control character goes and everything else stays', () => {
    expect(stripControls('An\u0000na\u001B[31m\n\u0085 Å😀\t')).toBe('Anna[31m Å😀');
    fc.assert(
      fc.property(text, (s) => {
        const stripped = stripControls(s);
        expect(safeLine(100).safeParse(stripped || 'x').success).toBe(true);
        expect(stripped).toBe([...s].filter((c) => !/[\u0000-\u001F\u007F-\u009F]/.test(c)).join(''));
      }),
    );
  });
});

describe('addresses and ids', () => {
  it('when an address is http or https, then it is accepted; other schemes and control characters are refused', () => {
    for (const url of ['https://www.example.se/artikel?id=1', 'HTTP://www.example.se/'])
      expect([url, httpUrl.safeParse(url).success]).toEqual([url, true]);
    for (const url of [
      'javascript:alert(1)',
      'ftp://www.example.se/',
      'data:text/html,x',
      '//www.example.se/',
      'https://www.example.se/\u0000',
      'inte en adress',
    ]) {
      expect([url, httpUrl.safeParse(url).success]).toEqual([url, false]);
    }
  });

  it('when a site id is lower-case letters, digits and dashes up to 64, then it is accepted; anything else is refused', () => {
    for (const id of ['demo', 'a-1', 'x'.repeat(64)])
      expect([id, siteIdSchema.safeParse(id).success]).toEqual([id, true]);
    for (const id of ['', 'Demo', 'a_b', 'a.b', 'å', 'x'.repeat(65), 'demo\n'])
      expect([id, siteIdSchema.safeParse(id).success]).toEqual([id, false]);
  });
});
