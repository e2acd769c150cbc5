import mongoose, { Schema, Types } from 'mongoose';
import { refusalChangesPlugin } from '../../infra/refusal-changes';

export type ErasureStatus = 'scheduled' | 'running' | 'completed' | 'cancelled';

/** Counts of what an erasure removed, per kind: the receipt. */
export type ErasureReceipt = Record<string, number>;

/**
 * A data subject's erasure request. It keeps no personal data: the subject is the keyed
 * hash `subjectRef`, the commenter profile id (meaningless once the profile is gone), and
 * receipt tokens are stored as SHA-256 hashes. A subject known only by an email address
 * (a notifier no profile matches) has no profile id; `subjectRef` is then `emailRef`.
 */
export interface ErasureRequestDoc {
  _id: Types.ObjectId;
  siteId: string;
  subjectRef: string;
  commenterId: Types.ObjectId | null;
  /** Keyed hash of the subject's email (subject-ref.ts emailRef), when one is known: their notices. */
  emailRef: string | null;
  requestedBy: 'subject' | 'admin';
  status: ErasureStatus;
  createdAt: Date;
  /** One month after the request: the GDPR deadline. */
  dueAt: Date;
  /** End of the site's grace period; the subject may cancel until then. */
  runAfter: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  receiptTokenHashes: string[];
  /** Filled in on completion from the erasure's steps (see erasure-step.model.ts). */
  receipt: ErasureReceipt;
  /** How many steps the erasure took; the steps themselves are deleted on completion. */
  steps: number;
}

const erasureRequestSchema = new Schema<ErasureRequestDoc>(
  {
    siteId: { type: String, required: true },
    subjectRef: { type: String, required: true },
    commenterId: { type: Schema.Types.ObjectId, ref: 'Commenter', default: null },
    emailRef: { type: String, default: null },
    requestedBy: { type: String, enum: ['subject', 'admin'], required: true },
    status: { type: String, enum: ['scheduled', 'running', 'completed', 'cancelled'], required: true },
    createdAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    runAfter: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    completedAt: { type: Date, default: null },
    receiptTokenHashes: { type: [String], default: [] },
    receipt: { type: Schema.Types.Mixed, default: {} },
    steps: { type: Number, default: 0 },
  },
  { versionKey: false, minimize: false },
);
// An open request per subject and site is reused; listing by status and due date.
erasureRequestSchema.index({ siteId: 1, subjectRef: 1, status: 1 });
erasureRequestSchema.index({ status: 1, dueAt: 1 });
// Writes check that their author's erasure has not begun (see erasure-marker.ts); by its
// prefix, the site's erasures under way that the refusal cache holds.
erasureRequestSchema.index({ siteId: 1, commenterId: 1, status: 1 });

// Posts are refused early from each process's refusal cache of erasures under way; every write announces its site.
erasureRequestSchema.plugin(refusalChangesPlugin);

export const ErasureRequestModel = mongoose.model<ErasureRequestDoc>(
  'ErasureRequest',
  erasureRequestSchema,
  'erasure_requests',
);
