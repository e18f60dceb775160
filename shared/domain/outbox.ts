import { type NoticeKind, type NoticeRequested, noticeIdOf } from '../events/notice-requested.ts';

/** A message written in the same transaction as the change it tells of; the relay delivers it. */
export interface OutboxEntry {
  /** Deterministic per message (shared/repository/outbox.ts), so a retried write adds nothing. */
  id: string;
  target: 'notify' | 'bus';
  message: Record<string, unknown>;
}

/** A notice about one case: its id is `<caseId>:<kind>:<step>`, so each step asks once. */
export function caseNotice(
  n: Omit<NoticeRequested, 'type' | 'version' | 'noticeId'> & {
    caseId: string;
    kind: NoticeKind;
  },
): NoticeRequested {
  return { type: 'notice.requested', version: 1, noticeId: noticeIdOf(n.caseId, n.kind, n.step), ...n };
}

/** The outbox entry that hands a notice to the notify queue. */
export const noticeEntry = (notice: NoticeRequested): OutboxEntry => ({
  id: `notice:${notice.noticeId}`,
  target: 'notify',
  message: notice,
});
