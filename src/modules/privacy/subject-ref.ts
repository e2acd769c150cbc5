import type { Types } from 'mongoose';
import { keyedHash } from '../../infra/keyed-hash';
import type { DataSubject } from './personal-data-inventory';

/**
 * The pseudonymous reference to a data subject on a site: a keyed hash of the host's
 * user id. Erasure requests and pseudonymised log entries hold this, never the id itself.
 */
export function subjectRef(secret: string, siteId: string, sub: string): string {
  return keyedHash(secret, `subject:${siteId}:${sub}`);
}

/** A data subject as the personal-data inventory looks them up. */
export function dataSubject(
  secret: string,
  siteId: string,
  sub: string,
  commenterId: Types.ObjectId | null,
): DataSubject {
  return { siteId, commenterId, subjectRef: subjectRef(secret, siteId, sub) };
}
