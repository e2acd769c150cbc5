import { notFound } from '../../shared/errors';
import type { CommenterService } from '../commenters/commenter.service';
import { PERSONAL_DATA, DataSubject } from './personal-data-inventory';
import { dataSubject, emailSubject } from './subject-ref';

/**
 * Everything stored about a data subject on a site, as one JSON document: one section per
 * place of the personal-data inventory (profile, comments with their threads, reports
 * made, idempotency records, moderation decisions and sanctions, erasure requests). Works
 * without a profile too (after an erasure, a kept ban is still shown).
 */
export async function exportSubject(subject: DataSubject): Promise<Record<string, unknown>> {
  const sections = await Promise.all(
    PERSONAL_DATA.map(async (place) => {
      const filter = place.filter(subject);
      const docs = filter ? await place.model.find(filter).sort(place.sort).lean() : [];
      return [place.key, await place.exportAs(docs as never[], subject)] as const;
    }),
  );
  return { exportedAt: new Date().toISOString(), site: subject.siteId, ...Object.fromEntries(sections) };
}

/** True when some place of the inventory holds a document about the subject. */
export async function isStoredAbout(subject: DataSubject): Promise<boolean> {
  for (const place of PERSONAL_DATA) {
    const filter = place.filter(subject);
    if (filter && (await place.model.exists(filter))) return true;
  }
  return false;
}

/**
 * A subject a privacy officer names by an address that no profile has: someone who sent
 * notices with it (or whose erasure by it is on record), or null when nothing is stored.
 */
export async function subjectByEmailAlone(secret: string, siteId: string, email: string): Promise<DataSubject | null> {
  const subject = emailSubject(secret, siteId, email);
  return (await isStoredAbout(subject)) ? subject : null;
}

/** Exports for the subject themselves and for a privacy officer answering a request by mail. */
export class ExportService {
  constructor(
    private readonly commenters: CommenterService,
    private readonly secret: string,
  ) {}

  /** What is stored about the logged-in commenter, with or without a profile. */
  async ofCommenter(siteId: string, sub: string): Promise<Record<string, unknown>> {
    const profile = await this.commenters.find(siteId, sub);
    return exportSubject(dataSubject(this.secret, siteId, sub, profile?._id ?? null, profile?.email));
  }

  /**
   * One export per profile matching the subject (by host user id or email); by an email
   * no profile has, one export of what is stored under the address alone (notices sent
   * with it); 404 when nothing matches.
   */
  async ofSubject(
    siteId: string,
    subject: { sub: string } | { email: string },
  ): Promise<{ exports: Array<Record<string, unknown>> }> {
    const found = [];
    for (const profile of await this.commenters.profilesOf(siteId, subject))
      found.push(await exportSubject(dataSubject(this.secret, siteId, profile.sub, profile._id, profile.email)));
    if (found.length === 0 && 'email' in subject) {
      const alone = await subjectByEmailAlone(this.secret, siteId, subject.email);
      if (alone) found.push(await exportSubject(alone));
    }
    if (found.length === 0) throw notFound('subject');
    return { exports: found };
  }
}
