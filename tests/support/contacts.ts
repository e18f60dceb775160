/**
 * The double opt-in port (shared/domain/contact-ports.ts) in memory, for unit tests of the handlers
 * that use it. The DynamoDB adapter itself is tested against DynamoDB Local
 * (tests/integration/contacts.test.ts), which evaluates its conditional writes for real.
 */
import { CONFIRMATION_INTERVAL_MS, contactIdOf, quotaHourOf } from '../../shared/domain/contact.ts';
import type { ContactStore, Held, Lapse } from '../../shared/domain/contact-ports.ts';
import {
  type BatchEntry,
  type BurstKey,
  type StaffBurstStore,
  windowEndOf,
} from '../../shared/domain/staff-bursts.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';

export interface MemoryContacts extends ContactStore {
  readonly confirmed: Set<string>;
  readonly heldBy: Map<string, Held[]>;
  readonly lapses: Lapse[];
  /** What `confirm` queued, in order. */
  readonly released: NoticeRequested[];
  readonly lapsedCases: string[];
}

export function memoryContacts(): MemoryContacts {
  const confirmed = new Set<string>();
  const sentAt = new Map<string, number>();
  const quota = new Map<string, number>();
  const heldBy = new Map<string, Held[]>();
  const lapses: Lapse[] = [];
  const released: NoticeRequested[] = [];
  const lapsedCases: string[] = [];
  const id = contactIdOf;
  return {
    confirmed,
    heldBy,
    lapses,
    released,
    lapsedCases,
    async status(ref) {
      return confirmed.has(id(ref)) ? 'confirmed' : 'unconfirmed';
    },
    async reserveConfirmation(ref, now) {
      const last = sentAt.get(id(ref));
      if (confirmed.has(id(ref))) return false;
      if (last !== undefined && now.getTime() - last < CONFIRMATION_INTERVAL_MS) return false;
      sentAt.set(id(ref), now.getTime());
      return true;
    },
    async unreserveConfirmation(ref, now) {
      if (sentAt.get(id(ref)) === now.getTime()) sentAt.delete(id(ref));
    },
    async takeQuota(siteId, now, limit) {
      const key = `${siteId}:${quotaHourOf(now)}`;
      const used = quota.get(key) ?? 0;
      if (used >= limit) return false;
      quota.set(key, used + 1);
      return true;
    },
    async hold(ref, held) {
      const list = heldBy.get(id(ref)) ?? [];
      if (!list.some((h) => h.notice.noticeId === held.notice.noticeId)) list.push(held);
      heldBy.set(id(ref), list);
    },
    async scheduleLapse(lapse) {
      if (!lapses.some((l) => l.caseId === lapse.caseId)) lapses.push(lapse);
    },
    async held(ref) {
      return [...(heldBy.get(id(ref)) ?? [])];
    },
    async confirm(ref, _now, _via, release) {
      released.push(...release);
      if (confirmed.has(id(ref))) return 'already';
      confirmed.add(id(ref));
      return 'confirmed';
    },
    async dropHeld(ref, held) {
      const gone = new Set(held.map((h) => h.notice.noticeId));
      heldBy.set(
        id(ref),
        (heldBy.get(id(ref)) ?? []).filter((h) => !gone.has(h.notice.noticeId)),
      );
    },
    async dueLapses(now) {
      return lapses.filter((l) => l.dueAt <= now.toISOString());
    },
    async lapse(lapse) {
      lapses.splice(lapses.indexOf(lapse), 1);
      if (lapsedCases.includes(lapse.caseId)) return 'not_applicable';
      lapsedCases.push(lapse.caseId);
      return 'lapsed';
    },
    async clearLapse(lapse) {
      lapses.splice(lapses.indexOf(lapse), 1);
    },
    async erase(ref) {
      confirmed.delete(id(ref));
      heldBy.delete(id(ref));
    },
  };
}

/** The staff flood containment port in memory (its DynamoDB adapter is tested on DynamoDB Local). */
export function memoryBursts(): StaffBurstStore & {
  entries: Map<string, BatchEntry[]>;
  flushed: Record<string, unknown>[];
} {
  const counts = new Map<string, number>();
  const entries = new Map<string, BatchEntry[]>();
  const due = new Map<string, BurstKey>();
  const flushed: Record<string, unknown>[] = [];
  const id = (k: BurstKey) => `${k.teamId}|${k.lane}|${k.windowStart}`;
  return {
    entries,
    flushed,
    async count(key) {
      const n = (counts.get(id(key)) ?? 0) + 1;
      counts.set(id(key), n);
      return n;
    },
    async addToBatch(key, entry) {
      entries.set(id(key), [...(entries.get(id(key)) ?? []), entry]);
      due.set(id(key), key);
    },
    async dueBatches(now) {
      return [...due.values()].filter((k) => windowEndOf(k.windowStart) <= now.toISOString());
    },
    async batch(key) {
      return entries.get(id(key)) ?? [];
    },
    async flush(key, notice) {
      if (!due.delete(id(key))) return;
      flushed.push(notice);
      const next = { ...key, windowStart: windowEndOf(key.windowStart) };
      counts.set(id(next), (counts.get(id(next)) ?? 0) + 1);
    },
  };
}
