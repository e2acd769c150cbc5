import mongoose, { Schema, Types } from 'mongoose';

/**
 * One step of an erasure, written before it is carried out. The unique (requestId, n)
 * index makes the plan for step n the same for every runner, even two at once (FerretDB
 * has no transactions, and its conditional updates are not atomic), and the receipt is
 * the sum of the steps' counts: nothing is skipped and nothing is counted twice. Steps
 * hold ids and counts only, and are deleted once the request holds its receipt.
 */
export interface ErasureStepDoc {
  _id: Types.ObjectId;
  requestId: Types.ObjectId;
  n: number;
  commentIds: Types.ObjectId[];
  jobIds: string[];
  redisKeys: string[];
  counts: Record<string, number>;
  final: boolean;
  done: boolean;
}

const erasureStepSchema = new Schema<ErasureStepDoc>(
  {
    requestId: { type: Schema.Types.ObjectId, required: true },
    n: { type: Number, required: true },
    commentIds: { type: [Schema.Types.ObjectId], default: [] },
    jobIds: { type: [String], default: [] },
    redisKeys: { type: [String], default: [] },
    counts: { type: Schema.Types.Mixed, default: {} },
    final: { type: Boolean, default: false },
    done: { type: Boolean, default: false },
  },
  { versionKey: false, minimize: false },
);
// The claim on step n of a request, and reading a request's steps in order.
erasureStepSchema.index({ requestId: 1, n: 1 }, { unique: true });

export const ErasureStepModel = mongoose.model<ErasureStepDoc>('ErasureStep', erasureStepSchema, 'erasure_steps');
