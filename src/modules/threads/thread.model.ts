import mongoose, { Schema, Types } from 'mongoose';
import { refusalChangesPlugin } from '../../infra/refusal-changes';
import { siteChangesPlugin } from '../../infra/site-changes';

/** One page's comment section, named by the host's key. Created on first comment or first closing. */
export interface ThreadDoc {
  _id: Types.ObjectId;
  siteId: string;
  key: string;
  title: string | null;
  url: string | null;
  status: 'open' | 'closed';
  closedReason: string | null;
  closedAt: Date | null;
  /** Set when a moderator reopens: the site's auto-close no longer applies to this thread. */
  keepOpen: boolean;
  createdAt: Date;
}

const threadSchema = new Schema<ThreadDoc>(
  {
    siteId: { type: String, required: true },
    key: { type: String, required: true },
    title: { type: String, default: null },
    url: { type: String, default: null },
    status: { type: String, enum: ['open', 'closed'], default: 'open' },
    closedReason: { type: String, default: null },
    closedAt: { type: Date, default: null },
    keepOpen: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// Every thread lookup is by site and the host's key.
threadSchema.index({ siteId: 1, key: 1 }, { unique: true });

// Thread state is cached with the public pages; every write announces its site.
threadSchema.plugin(siteChangesPlugin);
// Writes are checked against thread states from each process's refusal cache too. It keeps
// only threads that exist, so a thread's creation by its first comment (an upsert that sets
// on insert only) need not renew the site's token.
threadSchema.plugin(refusalChangesPlugin, { quietInsertOnlyUpserts: true });

export const ThreadModel = mongoose.model<ThreadDoc>('Thread', threadSchema, 'threads');
