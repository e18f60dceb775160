/** Key formats of the staff flood containment (shared/domain/staff-bursts.ts). */
import type { BurstKey, BurstLane } from '../domain/staff-bursts.ts';

const base = (k: Pick<BurstKey, 'teamId' | 'lane'>) => `BURST#${k.teamId}#${k.lane}`;

/** The window's counter: one item per team, lane and window (at most a few writes a second). */
export const burstCountKey = (k: BurstKey) => ({ pk: base(k), sk: `COUNT#${k.windowStart}` });

/** One batched notice of the window. */
export const burstEntryKey = (k: BurstKey, noticeId: string) => ({
  pk: base(k),
  sk: `ENTRY#${k.windowStart}#${noticeId}`,
});
export const burstEntryPrefix = (k: BurstKey) => `ENTRY#${k.windowStart}#`;

/** The digest due at the window's end: `BURSTDUE#<UTC day of the end>` / `<end>#<teamId>#<lane>`. */
export const burstDueKey = (k: BurstKey, windowEnd: string) => ({
  pk: `BURSTDUE#${windowEnd.slice(0, 10)}`,
  sk: `${windowEnd}#${k.teamId}#${k.lane}`,
});

export interface BurstDueItem {
  pk: string;
  sk: string;
  type: 'burstDue';
  teamId: string;
  lane: BurstLane;
  windowStart: string;
  expiresAt: number;
}
