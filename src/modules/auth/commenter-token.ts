import { createHash, createSecretKey, KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { errors as joseErrors, importSPKI, jwtVerify, KeyLike } from 'jose';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import { countGraphemes, isWellFormed } from '../../shared/comment-text';
import { stripControls } from '../../shared/safe-text';
import type { Site } from '../sites/site.service';

export type Role = 'moderator' | 'admin';

/** A commenter as the host's JWT describes them, already sanitized. */
export interface Identity {
  siteId: string;
  sub: string;
  name: string;
  email: string | null;
  roles: Role[];
}

/** Clock skew tolerated between the host that signs and this service. */
const CLOCK_TOLERANCE_SECONDS = 60;
const MAX_NAME_GRAPHEMES = 80;

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  name: z.string().min(1).max(1000),
  email: z.string().max(320).email().optional().catch(undefined),
  roles: z.array(z.string()).max(20).optional().catch(undefined),
});

// Imported keys are cached per site and configuration version.
const keyCache = new Map<string, { version: number; key: KeyObject | KeyLike }>();

async function keyFor(site: Site): Promise<{ key: KeyObject | KeyLike; alg: string }> {
  const auth = site.config.auth;
  const alg = 'hs256Secret' in auth ? 'HS256' : auth.alg;
  const version = site.updatedAt.getTime();
  const cached = keyCache.get(site.id);
  if (cached && cached.version === version) return { key: cached.key, alg };
  const key =
    'hs256Secret' in auth
      ? createSecretKey(Buffer.from(auth.hs256Secret, 'utf8'))
      : await importSPKI(auth.publicKeyPem, auth.alg);
  keyCache.set(site.id, { version, key });
  return { key, alg };
}

/**
 * Tokens verified lately, by site, configuration version and the token's digest (a token
 * itself is a credential: it is not kept). A reader's token is sent with every read, and
 * checking a signature costs more than the rest of a read from memory. An entry is used
 * only until the token's `exp` (with the clock tolerance), and a new site configuration
 * (a rotated key) has new entries.
 */
const verifiedTokens = new LRUCache<string, { identity: Identity; until: number }>({ max: 10_000 });

/**
 * Verifies a commenter's JWT for a site exactly as the contract says: only the site's
 * configured algorithm (so `alg: none` and anything else is refused), `aud` = site id,
 * `exp` required, `iss` checked when configured, a minute of clock tolerance.
 * Throws 401 INVALID_TOKEN on any failure, without saying which check failed.
 */
export async function verifyCommenterToken(site: Site, token: string): Promise<Identity> {
  if (token.length > 8192) throw new AppError('INVALID_TOKEN');
  const cacheKey = `${site.id}\n${site.updatedAt.getTime()}\n${createHash('sha256').update(token).digest('base64url')}`;
  const known = verifiedTokens.get(cacheKey);
  if (known && Date.now() < known.until) return known.identity;
  const { key, alg } = await keyFor(site);
  let payload: Record<string, unknown>;
  try {
    const verified = await jwtVerify(token, key, {
      algorithms: [alg],
      audience: site.id,
      issuer: site.config.auth.issuer,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub', 'aud'],
    });
    payload = verified.payload as Record<string, unknown>;
  } catch (err) {
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) throw new AppError('INVALID_TOKEN');
    throw err;
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new AppError('INVALID_TOKEN');
  const { sub: rawSub, name: rawName } = claims.data;
  if (!isWellFormed(rawSub) || !isWellFormed(rawName)) throw new AppError('INVALID_TOKEN');
  const sub = stripControls(rawSub);
  const name = cleanName(rawName);
  if (!sub || !name) throw new AppError('INVALID_TOKEN');
  const roles = (claims.data.roles ?? []).filter((r): r is Role => r === 'moderator' || r === 'admin');
  const email = claims.data.email ? stripControls(claims.data.email).toLowerCase() : null;
  const identity: Identity = { siteId: site.id, sub, name, email, roles };
  verifiedTokens.set(cacheKey, { identity, until: (Number(payload.exp) + CLOCK_TOLERANCE_SECONDS) * 1000 });
  return identity;
}

/** Display names: NFC, no control characters, at most 80 user-perceived characters. */
function cleanName(raw: string): string {
  const name = stripControls(raw.normalize('NFC')).trim();
  if (countGraphemes(name) <= MAX_NAME_GRAPHEMES) return name;
  const segments = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name);
  return Array.from(segments)
    .slice(0, MAX_NAME_GRAPHEMES)
    .map((s) => s.segment)
    .join('');
}

/** True when the identity may moderate its site. */
export function isModerator(identity: Identity | null): boolean {
  return !!identity && (identity.roles.includes('moderator') || identity.roles.includes('admin'));
}
