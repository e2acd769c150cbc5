import { z } from 'zod';
import { AppError } from './errors';

/**
 * Parses a value with a zod schema; on failure throws 400 VALIDATION_FAILED listing the
 * paths and problems (never the offending values, which may be personal data).
 */
export function parseOrThrow<S extends z.ZodTypeAny>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error);
}

function validationError(error: z.ZodError): AppError {
  const issues = error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.join('.'),
    problem:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}`.slice(0, 200) : issue.message,
  }));
  return new AppError('VALIDATION_FAILED', { issues });
}
