import type { Types } from 'mongoose';
import { AppError } from '../../shared/errors';
import { ErasureRequestModel } from './erasure-request.model';

/**
 * Whether the erasure of this profile has begun (or is done). An erasure marks its
 * request `running` before it looks for anything to erase, so a write that checks this
 * after it has written either is seen by the erasure or sees the mark and undoes itself:
 * nothing written during an erasure survives it.
 */
export async function erasureBegun(siteId: string, commenterId: Types.ObjectId): Promise<boolean> {
  return !!(await ErasureRequestModel.exists({ siteId, commenterId, status: { $in: ['running', 'completed'] } }));
}

/** Refuses a write by a profile whose erasure has begun: 409 CONFLICT, `erasure_in_progress`. */
export async function assertNotBeingErased(siteId: string, commenterId: Types.ObjectId): Promise<void> {
  if (await erasureBegun(siteId, commenterId)) throw erasureInProgress();
}

export const erasureInProgress = () => new AppError('CONFLICT', { reason: 'erasure_in_progress' });
