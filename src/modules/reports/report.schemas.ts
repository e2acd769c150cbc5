import { z } from 'zod';
import { safeText } from '../../shared/safe-text';
import { REPORT_REASONS } from './report.model';

export const reportBody = z.object({ reason: z.enum(REPORT_REASONS), note: safeText(500).optional() }).strict();
