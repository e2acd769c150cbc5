import type { Types } from 'mongoose';
import type { RefusalView } from '../../infra/refusal-cache';
import { AppError } from '../../shared/errors';
import { ErasureRequestModel } from './erasure-request.model';

/** Erasures under way on one site held as one list in the refusal cache; beyond, each profile is looked up. */
const RUNNING_LIST_MAX = 500;

/**
 * Whether the erasure of this profile has begun (or is done), from the database. An
 * erasure marks its request `running` before it looks for anything to erase, so a write
 * that checks this after it has written either is seen by the erasure or sees the mark
 * and undoes itself: nothing written during an erasure survives it.
 */
export async function erasureBegun(siteId: string, commenterId: Types.ObjectId): Promise<boolean> {
  return !!(await ErasureRequestModel.exists({ siteId, commenterId, status: { $in: ['running', 'completed'] } }));
}

/**
 * Refuses a write by a profile whose erasure is under way: 409 CONFLICT,
 * `erasure_in_progress`. Checked before anything is written, from the refusal cache
 * (the mark `running` renews the site's token, refusal-changes.ts): the site's erasures
 * under way are one list there, mostly empty. A profile whose erasure has completed is
 * gone, so a profile just read cannot be one; the check after writing (erasureBegun)
 * reads the database and covers both.
 */
export async function assertNotBeingErased(view: RefusalView, commenterId: Types.ObjectId): Promise<void> {
  const siteId = view.siteId;
  const running = await view.get('erasing', '', async () => {
    const requests = await ErasureRequestModel.find({ siteId, status: 'running' }, { _id: 0, commenterId: 1 })
      .limit(RUNNING_LIST_MAX + 1)
      .lean();
    return requests.length > RUNNING_LIST_MAX ? null : requests.map((r) => String(r.commenterId));
  });
  const erasing = running
    ? running.includes(String(commenterId))
    : await view.get('erasing', String(commenterId), () => erasureBegun(siteId, commenterId));
  if (erasing) throw erasureInProgress();
}

export const erasureInProgress = () => new AppError('CONFLICT', { reason: 'erasure_in_progress' });
