import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';

/** What a host puts in the JWT of one of its commenters, as the contract reads it. */
export interface CommenterTokenInput {
  /** The site the token is for: its `aud`. */
  siteId: string;
  /** The site's HS256 secret. */
  secret: string;
  sub: string;
  name: string;
  email?: string;
  roles?: readonly string[];
  /** `iss`, for sites that configure an issuer. */
  issuer?: string;
  /** Seconds the token is valid from now; negative for one already expired. */
  expiresIn: number;
}

/**
 * Signs a commenter JWT with HS256 the way a host site would. The one place that mints
 * them for the demo login, the dev scripts, the bench and the tests, so that all of them
 * sign what verifyCommenterToken accepts. Tests that need a broken token sign their own.
 */
export async function mintCommenterToken(input: CommenterTokenInput): Promise<string> {
  const claims: Record<string, unknown> = { sub: input.sub, name: input.name };
  if (input.email !== undefined) claims.email = input.email;
  if (input.roles !== undefined) claims.roles = [...input.roles];
  // One clock reading for both, so exp - iat is exactly expiresIn.
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(input.siteId)
    .setIssuedAt(now)
    .setExpirationTime(now + input.expiresIn);
  if (input.issuer !== undefined) jwt.setIssuer(input.issuer);
  return jwt.sign(createSecretKey(Buffer.from(input.secret, 'utf8')));
}
