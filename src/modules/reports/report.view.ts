import type { ReportDoc } from './report.model';

/** A report as its reporter reads it back; who reported stays out of it. */
export function reportView(report: ReportDoc) {
  return {
    id: String(report._id),
    reason: report.reason,
    note: report.note,
    createdAt: report.createdAt.toISOString(),
  };
}
