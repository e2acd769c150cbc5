import mongoose, { Schema, Types } from 'mongoose';

export const REPORT_REASONS = ['spam', 'abuse', 'personal_data', 'off_topic', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** A reader's report of a comment; one per reporter and comment. */
export interface ReportDoc {
  _id: Types.ObjectId;
  siteId: string;
  commentId: Types.ObjectId;
  reporterId: Types.ObjectId;
  reason: ReportReason;
  note: string | null;
  resolved: boolean;
  createdAt: Date;
}

const reportSchema = new Schema<ReportDoc>(
  {
    siteId: { type: String, required: true },
    commentId: { type: Schema.Types.ObjectId, required: true },
    reporterId: { type: Schema.Types.ObjectId, ref: 'Commenter', required: true },
    reason: { type: String, enum: REPORT_REASONS, required: true },
    note: { type: String, default: null },
    resolved: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// One report per reporter and comment; also serves "reports of these comments" lookups.
reportSchema.index({ commentId: 1, reporterId: 1 }, { unique: true });
// The reported queue: unresolved reports per comment, counted from the reports themselves.
reportSchema.index({ siteId: 1, resolved: 1, commentId: 1 });
// A reporter's reports (export and erasure).
reportSchema.index({ siteId: 1, reporterId: 1 });

export const ReportModel = mongoose.model<ReportDoc>('Report', reportSchema, 'reports');
