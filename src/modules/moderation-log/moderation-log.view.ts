import type { RuleHit } from '../comments/comment.model';
import type { LogAction, LogEntryDoc } from './moderation-log.model';

/** A log entry as moderators read it: the actor by name and kind, never the subject. */
export interface LogEntryView {
  id: string;
  at: string;
  actor: { kind: LogEntryDoc['actorKind']; name: string | null };
  action: LogAction;
  commentId: string | null;
  threadKey: string | null;
  reason: string | null;
  reasonId: string | null;
  rules: RuleHit[];
  until: string | null;
  noticeId: string | null;
  appealId: string | null;
  outcome: LogEntryDoc['outcome'];
}

/** Shapes one stored entry for GET …/moderation/log. */
export function toLogView(e: LogEntryDoc): LogEntryView {
  return {
    id: String(e._id),
    at: e.at.toISOString(),
    actor: { kind: e.actorKind, name: e.actorName },
    action: e.action,
    commentId: e.commentId ? String(e.commentId) : null,
    threadKey: e.threadKey,
    reason: e.reason,
    reasonId: e.reasonId ?? null,
    rules: e.rules.map((r) => ({ rule: r.rule, action: r.action, detail: r.detail })),
    until: e.until ? e.until.toISOString() : null,
    noticeId: e.noticeId ? String(e.noticeId) : null,
    appealId: e.appealId ? String(e.appealId) : null,
    outcome: e.outcome ?? null,
  };
}
