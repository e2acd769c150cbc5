import { z } from 'zod';
import { chars, siteIdSchema } from '../../shared/safe-text';

/** The one site the demo login signs for (config/demo-sites.json). */
export const DEMO_SITE_ID = 'demo';

export const demoTokenQuery = z
  .object({
    role: z.enum(['commenter', 'moderator']).default('commenter'),
    site: siteIdSchema.default(DEMO_SITE_ID),
  })
  .strict();

export const demoPageQuery = z
  .object({
    lang: z.enum(['sv', 'en']).default('sv'),
    login: chars(0, 10).optional(),
    return: chars(0, 2000).optional(),
  })
  .strict();

/** The notifier's case status page: its language (else the browser's); the case is in the fragment. */
export const noticeStatusPageQuery = z.object({ lang: z.enum(['sv', 'en']).optional() }).strict();
