import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options', 'trace'];

interface KnownPath {
  pattern: RegExp;
  allow: string;
}

/**
 * Turns the OpenAPI document's paths into matchers with the methods each path has. The
 * document is the one list of routes: what it names for a path is what Allow says. A
 * parameter ({site}) matches one path segment; like express's routing, a trailing slash
 * and letter case do not matter.
 */
/** What this needs of an OpenAPI document: its paths and their methods. */
export type OpenApiDocument = { paths: Record<string, Record<string, unknown>> };

export function knownPaths(document: OpenApiDocument): KnownPath[] {
  return Object.entries(document.paths).map(([template, operations]) => {
    const methods = METHODS.filter((m) => m in operations).map((m) => m.toUpperCase());
    // express answers HEAD wherever it answers GET.
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.splice(methods.indexOf('GET') + 1, 0, 'HEAD');
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return { pattern: new RegExp(`^${source}/?$`, 'i'), allow: methods.join(', ') };
  });
}

/**
 * After every route: a request for a known path with a method it does not have gets 405
 * METHOD_NOT_ALLOWED with Allow (RFC 9110), not 404. OPTIONS is left to CORS and express.
 */
export function methodNotAllowed(document: OpenApiDocument): RequestHandler {
  const paths = knownPaths(document);
  return (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const known = paths.find((p) => p.pattern.test(req.path));
    if (!known || known.allow.split(', ').includes(req.method)) return next();
    next(new AppError('METHOD_NOT_ALLOWED', { allowed: known.allow.split(', ') }, { Allow: known.allow }));
  };
}
