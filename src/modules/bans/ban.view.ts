import type { BanDoc } from './ban.model';

/** A ban as the moderator who made it reads it back: no subject, no profile id. */
export function banView(ban: BanDoc) {
  return { reason: ban.reason, until: ban.until?.toISOString() ?? null, createdAt: ban.createdAt.toISOString() };
}
