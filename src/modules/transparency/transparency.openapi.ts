import '../../shared/zod-openapi';
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorResponses } from '../openapi/openapi.errors';
import { transparencyQuery } from './transparency.schemas';

const count = z.number().int().min(0);
const byReason = z
  .record(count)
  .openapi({ description: 'Counts by the reason id the entries name; entries without one are in no key' });
const seconds = count.nullable().openapi({ description: 'Nearest rank, whole seconds; null when none was decided' });

const figures = z.object({
  site: z.string(),
  from: z.string().openapi({ format: 'date-time' }),
  to: z.string().openapi({ format: 'date-time' }),
  notices: z.object({ received: count, byReason }),
  actions: z.object({
    total: count,
    byReason,
    automated: count.openapi({ description: 'By the automated rules' }),
    human: count.openapi({ description: 'By moderators' }),
    byAction: z.object({ rejected: count, removed: count, banned: count }),
  }),
  timeToDecision: z.object({
    decided: count.openapi({ description: 'Notices decided in the window whose receipt is in the log' }),
    medianSeconds: seconds,
    p90Seconds: seconds,
  }),
  appeals: z.object({ received: count, decided: count, upheld: count, reversed: count }),
  bans: count,
});

/** The transparency endpoint as the OpenAPI document lists it (openapi.document.ts adds it). */
export function transparencyPaths(h: { site: z.AnyZodObject; admin: Array<Record<string, string[]>> }): RouteConfig[] {
  return [
    {
      method: 'get',
      path: '/api/v1/admin/sites/{site}/transparency',
      security: h.admin,
      summary: "The site's transparency figures over a window, counted from the moderation log; JSON, or CSV",
      description:
        '`from` inclusive, `to` exclusive: dates (midnight UTC) or date-times with Z or an offset. A date that does ' +
        'not exist, `from` after `to` or a window over 10 years: 400 VALIDATION_FAILED. `Accept: text/csv` answers ' +
        'CSV (`section,key,value`, one row per figure) as a download; any other Accept answers JSON.',
      request: { params: h.site, query: transparencyQuery },
      responses: {
        200: {
          description: 'The figures',
          content: {
            'application/json': { schema: figures },
            'text/csv': {
              schema: z.string().openapi({ description: 'Header `section,key,value`, then one row per figure' }),
            },
          },
        },
        ...errorResponses(400, 401, 404, 503),
      },
    },
  ];
}
