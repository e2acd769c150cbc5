import { z } from 'zod';
import { httpUrl, safeLine } from '../../shared/safe-text';

/** The automated rules, each of which leads to a reason when it rejects or holds a comment. */
export const AUTOMATED_RULES = [
  'banned_word',
  'suspect_word',
  'personal_data',
  'too_many_links',
  'duplicate',
  'burst',
] as const;
export type AutomatedRule = (typeof AUTOMATED_RULES)[number];

/** A reason's id: short, lower case, stable (decisions refer to it for good). */
export const reasonIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be 1 to 40 of a-z, 0-9 and _, starting with a letter')
  .openapi({ example: 'olaga_hot' });

export const reasonSchema = z
  .object({
    id: reasonIdSchema,
    /** `illegal`: against the law (and a category of notices of illegal content); `terms`: against the site's terms. */
    kind: z.enum(['illegal', 'terms']),
    label: z.object({ sv: safeLine(120), en: safeLine(120) }).strict(),
    /** What the reason rests on: a clause of the site's terms or a legal provision. */
    ground: z.object({ text: safeLine(500), url: httpUrl.optional() }).strict(),
  })
  .strict();
export type Reason = z.infer<typeof reasonSchema>;

export const catalogueSchema = z
  .object({
    reasons: z.array(reasonSchema).min(1).max(50),
    rules: z.record(z.enum(AUTOMATED_RULES), reasonIdSchema).default({}),
  })
  .strict()
  .superRefine((catalogue, ctx) => {
    const ids = new Set<string>();
    catalogue.reasons.forEach((r, i) => {
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: ['reasons', i, 'id'], message: 'is used twice' });
      ids.add(r.id);
    });
    for (const [rule, id] of Object.entries(catalogue.rules))
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['rules', rule], message: 'names no reason of the list' });
  });
export type ReasonCatalogue = z.infer<typeof catalogueSchema>;
