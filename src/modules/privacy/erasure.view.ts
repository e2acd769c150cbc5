import type { ErasureRequestDoc } from './erasure-request.model';
import { keptPlaces } from './personal-data-inventory';

/** The view of a request its holder (or a privacy officer) sees: no personal data. */
export function erasureView(r: ErasureRequestDoc) {
  return {
    id: String(r._id),
    site: r.siteId,
    status: r.status,
    requestedBy: r.requestedBy,
    createdAt: r.createdAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    runAfter: r.runAfter.toISOString(),
    completedAt: r.completedAt?.toISOString() ?? null,
    receipt: r.status === 'completed' ? r.receipt : null,
    // What an erasure deliberately keeps, and why (a ban stays in force, for one).
    kept:
      r.status === 'completed'
        ? keptPlaces()
            .filter((p) => (r.receipt[p.receiptKey] ?? 0) > 0)
            .map((p) => ({ what: p.key, count: r.receipt[p.receiptKey], why: p.why }))
        : null,
    overdue: r.status !== 'completed' && r.status !== 'cancelled' && r.dueAt.getTime() < Date.now(),
  };
}

/** A request just filed (or joined), with the receipt token that is shown this once. */
export function erasureReceiptView({ request, receiptToken }: { request: ErasureRequestDoc; receiptToken: string }) {
  return { ...erasureView(request), receiptToken };
}

/**
 * Requests filed on someone's behalf: the first at the top level (as a subject's own
 * request is answered), all of them (one per matching profile) under `requests`.
 */
export function erasureBatchView(filed: Array<{ request: ErasureRequestDoc; receiptToken: string }>) {
  const requests = filed.map(erasureReceiptView);
  return { ...requests[0], requests };
}
