import { z } from 'zod';

/** The retention job carries no data at all: it works over every site. */
export const retentionPayload = z.object({ run: z.literal('retention') }).strict();
