import { createSecretKey, KeyObject } from 'node:crypto';
import { exportSPKI, generateKeyPair, KeyLike, SignJWT } from 'jose';

/** Seconds since the epoch, as JWT claims count time. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Signs exactly the payload given (no defaults added), so tests can leave out or break any
 * claim. `key` is an HS256 secret string or a private key.
 */
export async function signJwt(
  payload: Record<string, unknown>,
  key: string | KeyLike | KeyObject,
  header: { alg: string; [name: string]: unknown } = { alg: 'HS256' },
): Promise<string> {
  const signingKey = typeof key === 'string' ? createSecretKey(Buffer.from(key, 'utf8')) : key;
  return new SignJWT(payload).setProtectedHeader(header).sign(signingKey);
}

/** The usual claims of a commenter of `siteId`, valid for ten minutes; override or drop (undefined) any. */
export function claimsFor(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: 'user-1',
    name: 'Anna Andersson',
    aud: siteId,
    iat: nowSeconds(),
    exp: nowSeconds() + 600,
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** An unsecured JWT (`alg: none`) built by hand, with an empty signature part or the given one. */
export function unsecuredJwt(payload: Record<string, unknown>, signature = ''): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.${signature}`;
}

export type AsymmetricAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface KeyPair {
  alg: AsymmetricAlg;
  privateKey: KeyLike;
  publicKeyPem: string;
}

/** A fresh key pair for an asymmetric algorithm, the public half as SPKI PEM. */
export async function keyPair(alg: AsymmetricAlg): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, privateKey, publicKeyPem: await exportSPKI(publicKey) };
}

/** `Authorization` header for a token. */
export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });
