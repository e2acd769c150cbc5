import { AppError } from '../../shared/errors';

// Names that would reach Object.prototype when merged: refused as unknown fields.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A PATCH of a site's configuration over the stored one: JSON merge patch (RFC 7396)
 * without deletion by null, since null is a value here (e.g. autoCloseAfterDays). Objects
 * merge, everything else replaces; the target is not changed.
 */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const key of Object.keys(patch)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new AppError('VALIDATION_FAILED', { issues: [{ path: key, problem: 'unknown field' }] });
    }
    const value = patch[key];
    const base = out[key];
    // auth is replaced as a whole: switching HS256 → RS256 must not keep the old secret.
    out[key] = key !== 'auth' && isPlainObject(value) && isPlainObject(base) ? mergePatch(base, value) : value;
  }
  return out;
}
