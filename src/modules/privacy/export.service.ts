import { PERSONAL_DATA, DataSubject } from './personal-data-inventory';

/**
 * Everything stored about a data subject on a site, as one JSON document: one section per
 * place of the personal-data inventory (profile, comments with their threads, reports
 * made, idempotency records, moderation decisions and sanctions, erasure requests). Works
 * without a profile too (after an erasure, a kept ban is still shown).
 */
export async function exportSubject(subject: DataSubject): Promise<Record<string, unknown>> {
  const sections = await Promise.all(PERSONAL_DATA.map(async (place) => {
    const filter = place.filter(subject);
    const docs = filter ? await place.model.find(filter).sort(place.sort).lean() : [];
    return [place.key, await place.exportAs(docs as never[], subject)] as const;
  }));
  return { exportedAt: new Date().toISOString(), site: subject.siteId, ...Object.fromEntries(sections) };
}
