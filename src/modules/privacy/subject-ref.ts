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

/**
 * The keyed hash of an email address on a site (trimmed, lower-cased): how the notices a
 * person sent are found for their export and erasure, from a profile's email or from the
 * address a privacy officer is given. Its prefix differs from subjectRef's, so it also
 * serves as the reference of a subject known by address alone (no profile).
 */
export function emailRef(secret: string, siteId: string, email: string): string {
  return keyedHash(secret, `email:${siteId}:${email.trim().toLowerCase()}`);
}

/** A data subject as the personal-data inventory looks them up. */
export function dataSubject(
  secret: string,
  siteId: string,
  sub: string,
  commenterId: Types.ObjectId | null,
  email: string | null = null,
): DataSubject {
  return {
    siteId,
    commenterId,
    subjectRef: subjectRef(secret, siteId, sub),
    emailRef: email ? emailRef(secret, siteId, email) : null,
  };
}

/** A data subject known only by an email address: no profile on the site holds it. */
export function emailSubject(secret: string, siteId: string, email: string): DataSubject {
  const ref = emailRef(secret, siteId, email);
  return { siteId, commenterId: null, subjectRef: ref, emailRef: ref };
}
