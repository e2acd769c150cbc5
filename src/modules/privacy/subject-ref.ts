import { keyedHash } from '../../infra/keyed-hash';

/**
 * The pseudonymous reference to a data subject on a site: a keyed hash of the host's
 * user id. Erasure requests and pseudonymised log entries hold this, never the id itself.
 */
export function subjectRef(secret: string, siteId: string, sub: string): string {
  return keyedHash(secret, `subject:${siteId}:${sub}`);
}
