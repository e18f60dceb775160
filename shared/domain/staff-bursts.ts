/**
 * Flood containment for staff mail (docs/threat-model.md): a bot holding the public key can open
 * cases, but it cannot turn them into a flood of staff email. Per team, in 10-minute windows:
 * - alerts of new critical cases the shop did not vouch for go out one by one up to 5, then the
 *   rest of the window arrives as one `staff_new_critical` listing the cases;
 * - each rung of the escalation ladder is mailed once, then what else climbed to it in the
 *   window arrives as one `staff_escalation` digest. The ladder itself still runs per case.
 * A digest counts as the first mail of the next window, so a steady flood yields one mail per
 * window per lane.
 */
import { MINUTE_MS } from './time.ts';

export const BURST_WINDOW_MS = 10 * MINUTE_MS;

/** What one lane lets through individually per team per window. */
export const BURST_ALLOWANCE = { new_critical: 5, escalation: 1 } as const;

export type BurstLane = 'new_critical' | `escalation_${'lead' | 'manager' | 'executive'}`;

export interface BurstKey {
  teamId: string;
  lane: BurstLane;
  /** ISO start of the window. */
  windowStart: string;
}

export const windowStartOf = (at: Date) =>
  new Date(Math.floor(at.getTime() / BURST_WINDOW_MS) * BURST_WINDOW_MS).toISOString();

export const windowEndOf = (windowStart: string) =>
  new Date(Date.parse(windowStart) + BURST_WINDOW_MS).toISOString();

export const allowanceOf = (lane: BurstLane) =>
  lane === 'new_critical' ? BURST_ALLOWANCE.new_critical : BURST_ALLOWANCE.escalation;

/** Individually sent while the window's count (this one included) is within the allowance. */
export const sendsAlone = (lane: BurstLane, countInWindow: number) => countInWindow <= allowanceOf(lane);

/** One case of a digest: facts only, never what the customer wrote. */
export interface BatchedCase {
  noticeId: string;
  caseId: string;
  caseRef?: string;
  category?: string;
  touchpoint?: string;
  severity?: string;
  /** The deadline the alert is about (acknowledge-by for a new case, the missed one for a rung). */
  deadline?: string;
  clock?: 'acknowledge' | 'resolve';
}

export interface BatchRecipient {
  email: string;
  name?: string;
  locale?: string;
  memberId?: string;
}

export interface BatchEntry {
  case: BatchedCase;
  to: BatchRecipient[];
  teamName?: string;
  siteId?: string;
}

/** Every recipient of the batched notices, once each (by lower-cased address), in first-seen order. */
export function batchRecipients(entries: readonly BatchEntry[]): BatchRecipient[] {
  const seen = new Map<string, BatchRecipient>();
  for (const e of entries) {
    for (const r of e.to) {
      const key = r.email.trim().toLowerCase();
      if (!seen.has(key))
        seen.set(key, {
          email: r.email,
          ...(r.name ? { name: r.name } : {}),
          ...(r.locale ? { locale: r.locale } : {}),
        });
    }
  }
  return [...seen.values()];
}

export interface StaffBurstStore {
  /**
   * Counts one notice in the window; answers the window's count. A redelivered notice counts
   * again: at worst it then arrives in the digest as well, never not at all.
   */
  count(key: BurstKey): Promise<number>;
  /** Adds the notice to the window's digest and schedules the digest for the window's end. */
  addToBatch(key: BurstKey, entry: BatchEntry): Promise<void>;
  /** Windows whose end has passed and whose digest has not been queued (today's and yesterday's, UTC). */
  dueBatches(now: Date): Promise<BurstKey[]>;
  batch(key: BurstKey): Promise<BatchEntry[]>;
  /**
   * Queues the digest through the outbox, counts it in the next window and clears the due marker,
   * in one transaction (a second flush of the same window writes the same outbox id: no resend).
   */
  flush(key: BurstKey, notice: Record<string, unknown>, noticeId: string, now: Date): Promise<void>;
}
