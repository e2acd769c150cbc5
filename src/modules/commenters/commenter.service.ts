import { Types } from 'mongoose';
import type { Identity } from '../auth/commenter-token';
import { CommenterDoc, CommenterModel } from './commenter.model';
import { notFound } from '../../shared/errors';
import { isDuplicateKey } from '../../infra/mongo';

/** How precisely `lastSeenAt` is kept: refreshing it on every write would rewrite the profile each time. */
const LAST_SEEN_RESOLUTION_MS = 3_600_000;

/** Commenter profiles, always scoped by site. */
export class CommenterService {
  /**
   * The profile for a verified identity, created on first write and kept in step with the
   * host's name and email (the host is the source of truth for both). Nothing is written
   * when nothing changed: every write to a profile drops the site's cached public pages,
   * so a profile is written only when it is new, its name or email changed, or its
   * `lastSeenAt` is more than an hour old. `known` saves the read when the caller has it.
   */
  async upsert(identity: Identity, known?: CommenterDoc | null): Promise<CommenterDoc> {
    const existing = known === undefined ? await this.find(identity.siteId, identity.sub) : known;
    if (
      existing &&
      existing.name === identity.name &&
      existing.email === identity.email &&
      Date.now() - existing.lastSeenAt.getTime() < LAST_SEEN_RESOLUTION_MS
    )
      return existing;
    const now = new Date();
    const filter = { siteId: identity.siteId, sub: identity.sub };
    // The name is set only when it is new or changed: readers see names, so only then
    // does this write change what they see (see the model's visibleFields).
    const renamed = !existing || existing.name !== identity.name;
    const update = {
      $set: { email: identity.email, lastSeenAt: now, ...(existing && renamed ? { name: identity.name } : {}) },
      $setOnInsert: { createdAt: now, ...(existing ? {} : { name: identity.name }) },
    };
    try {
      return await CommenterModel.findOneAndUpdate(filter, update, { upsert: true, new: true, lean: true }).orFail();
    } catch (err) {
      // Two first writes at once: the unique index lets one insert win; the other updates.
      if (!isDuplicateKey(err)) throw err;
      return CommenterModel.findOneAndUpdate(filter, update, { new: true, lean: true }).orFail();
    }
  }

  /** The profile for a site and host user id, if one exists. */
  async find(siteId: string, sub: string): Promise<CommenterDoc | null> {
    return CommenterModel.findOne({ siteId, sub }).lean();
  }

  /**
   * The profiles a privacy officer's request names: by host user id (one at most), or by
   * email (several when the host sent the same address for different users). 404
   * NOT_FOUND when nothing is stored about them.
   */
  async findSubject(siteId: string, subject: { sub: string } | { email: string }): Promise<CommenterDoc[]> {
    const profiles = await this.profilesOf(siteId, subject);
    if (profiles.length === 0) throw notFound('subject');
    return profiles;
  }

  /** The profiles findSubject names, none when none match (a notifier by email may have none). */
  async profilesOf(siteId: string, subject: { sub: string } | { email: string }): Promise<CommenterDoc[]> {
    return 'sub' in subject
      ? CommenterModel.find({ siteId, sub: subject.sub }).lean()
      : CommenterModel.find({ siteId, email: subject.email.trim().toLowerCase() }).lean();
  }

  /** Display names and host user ids by profile id, for pages that know whose each comment is. */
  async authorsById(siteId: string, ids: Types.ObjectId[]): Promise<Map<string, { name: string; sub: string }>> {
    if (ids.length === 0) return new Map();
    const docs = await CommenterModel.find({ siteId, _id: { $in: ids } }, { name: 1, sub: 1 }).lean();
    return new Map(docs.map((d) => [String(d._id), { name: d.name, sub: d.sub }]));
  }

  /** Display names by profile id, for shaping comment lists without a join. */
  async namesById(siteId: string, ids: Types.ObjectId[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const docs = await CommenterModel.find({ siteId, _id: { $in: ids } }, { name: 1 }).lean();
    return new Map(docs.map((d) => [String(d._id), d.name]));
  }
}
