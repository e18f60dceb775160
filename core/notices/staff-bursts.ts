/**
 * Staff flood containment (shared/domain/staff-bursts.ts): decides whether a staff alert goes out
 * now or joins its window's digest, and queues the digests of windows that have ended.
 */
import type { Case } from '../../shared/domain/case.ts';
import {
  type BatchEntry,
  type BurstKey,
  type BurstLane,
  batchRecipients,
  type StaffBurstStore,
  sendsAlone,
  windowEndOf,
  windowStartOf,
} from '../../shared/domain/staff-bursts.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';

export interface BurstDeps {
  bursts: StaffBurstStore;
  now: Date;
}

/** The lane a staff notice is counted in, if any. */
export function laneOf(
  notice: NoticeRequested,
  found: Pick<Case, 'contactVouched'> | undefined,
): BurstLane | undefined {
  if (notice.kind === 'staff_new_critical' && found?.contactVouched !== true && !notice.data.batch) {
    return 'new_critical';
  }
  if (notice.kind === 'staff_escalation' && !notice.data.batch) {
    const level = notice.data.level;
    if (level === 'lead' || level === 'manager' || level === 'executive') return `escalation_${level}`;
  }
  return undefined;
}

/** `send` now, or `batched` into the window's digest. */
export async function admitStaffNotice(
  notice: NoticeRequested,
  found: Case | undefined,
  deps: BurstDeps,
): Promise<'send' | 'batched'> {
  const lane = laneOf(notice, found);
  const teamId = typeof notice.data.teamId === 'string' ? notice.data.teamId : found?.teamId;
  if (!lane || !teamId || !notice.caseId) return 'send';
  const key: BurstKey = { teamId, lane, windowStart: windowStartOf(deps.now) };
  if (sendsAlone(lane, await deps.bursts.count(key))) return 'send';
  const d = notice.data;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const clock = d.clock === 'acknowledge' || d.clock === 'resolve' ? d.clock : undefined;
  const entry: BatchEntry = {
    case: {
      noticeId: notice.noticeId,
      caseId: notice.caseId,
      ...(str(d.caseRef) ? { caseRef: str(d.caseRef) } : {}),
      ...(str(d.category) ? { category: str(d.category) } : {}),
      ...(str(d.touchpoint) ? { touchpoint: str(d.touchpoint) } : {}),
      ...(str(d.severity) ? { severity: str(d.severity) } : {}),
      ...((str(d.deadline) ?? str(d.acknowledgeBy))
        ? { deadline: str(d.deadline) ?? str(d.acknowledgeBy) }
        : {}),
      ...(clock ? { clock } : {}),
    },
    to: notice.to.map((r) => ({
      email: r.email,
      ...(r.name ? { name: r.name } : {}),
      ...(r.locale ? { locale: r.locale } : {}),
    })),
    ...(str(d.teamName) ? { teamName: str(d.teamName) } : {}),
    ...(str(d.siteId) ? { siteId: str(d.siteId) } : {}),
  };
  await deps.bursts.addToBatch(key, entry);
  return 'batched';
}

/** The digest notice of one window. */
export function digestNotice(key: BurstKey, entries: readonly BatchEntry[], now: Date): NoticeRequested {
  const escalation = key.lane !== 'new_critical';
  const noticeId = `burst:${key.teamId}:${key.lane}:${key.windowStart}`;
  const first = entries[0];
  return {
    type: 'notice.requested',
    version: 1,
    noticeId,
    kind: escalation ? 'staff_escalation' : 'staff_new_critical',
    audience: 'staff',
    step: `burst:${key.windowStart}`,
    to: batchRecipients(entries),
    data: {
      teamId: key.teamId,
      ...(first?.teamName ? { teamName: first.teamName } : {}),
      ...(first?.siteId ? { siteId: first.siteId } : {}),
      ...(escalation
        ? { level: key.lane.replace('escalation_', ''), clock: first?.case.clock ?? 'acknowledge' }
        : {}),
      batch: {
        from: key.windowStart,
        to: windowEndOf(key.windowStart),
        cases: entries.slice(0, 200).map((e) => e.case),
        total: entries.length,
      },
    },
    requestedAt: now.toISOString(),
  };
}

/** The minute schedule's part: one digest per ended window that batched anything. */
export async function flushStaffDigests(deps: BurstDeps): Promise<number> {
  let queued = 0;
  for (const key of await deps.bursts.dueBatches(deps.now)) {
    const entries = await deps.bursts.batch(key);
    if (entries.length === 0) continue;
    const notice = digestNotice(key, entries, deps.now);
    await deps.bursts.flush(key, notice, notice.noticeId, deps.now);
    queued += 1;
  }
  return queued;
}
