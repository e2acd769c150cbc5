import type { Identity } from '../auth/commenter-token';
import type { CommenterDoc } from './commenter.model';

/** The commenter as the token says and as stored (null before their first write). */
export function meView(identity: Identity, profile: CommenterDoc | null) {
  return {
    sub: identity.sub,
    name: identity.name,
    email: identity.email,
    roles: identity.roles,
    stored: profile ? { name: profile.name, email: profile.email, createdAt: profile.createdAt.toISOString() } : null,
  };
}
