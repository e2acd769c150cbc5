import { Types } from 'mongoose';
import type { Identity } from '../auth/commenter-token';
import { CommenterDoc, CommenterModel } from './commenter.model';
import { notFound } from '../../http/errors';
import { isDuplicateKey } from '../../infra/mongo';

/** Commenter profiles, always scoped by site. */
export class CommenterService {
  /**
   * The profile for a verified identity, created on first write and kept in step with the
   * host's name and email (the host is the source of truth for both).
   */
  async upsert(identity: Identity): Promise<CommenterDoc> {
    const now = new Date();
    const filter = { siteId: identity.siteId, sub: identity.sub };
    const update = {
      $set: { name: identity.name, email: identity.email, lastSeenAt: now },
      $setOnInsert: { createdAt: now },
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
    const profiles = 'sub' in subject
      ? await CommenterModel.find({ siteId, sub: subject.sub }).lean()
      : await CommenterModel.find({ siteId, email: subject.email.trim().toLowerCase() }).lean();
    if (profiles.length === 0) throw notFound('subject');
    return profiles;
  }

  /** Display names by profile id, for shaping comment lists without a join. */
  async namesById(siteId: string, ids: Types.ObjectId[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const docs = await CommenterModel.find({ siteId, _id: { $in: ids } }, { name: 1 }).lean();
    return new Map(docs.map((d) => [String(d._id), d.name]));
  }
}
