/**
 * How long a closed case is kept (docs/operations.md#data-lifecycle). DynamoDB's TTL cannot say
 * "N days after the case closed" for timeline items written before the close without rewriting
 * each of them, which costs what deleting them costs; so a closed case keeps one timer in the
 * `timers` index, due `closedCaseDays` after its last close, and the minute sweep deletes the
 * case item with its whole partition then. A reopen moves the timer back to the SLA's steps.
 */
import type { Case, TimelineEvent } from './case.ts';
import { DAY_MS } from './time.ts';

export const PURGE_STEP = 'purge';

export interface PurgeStep {
  stepId: typeof PURGE_STEP;
  dueAt: string;
}

/** The purge of a closed case: due `closedCaseDays` after it last closed (none while not closed). */
export function purgeStepOf(
  c: Pick<Case, 'status' | 'updatedAt'>,
  timeline: readonly TimelineEvent[],
  closedCaseDays: number,
): PurgeStep | undefined {
  if (c.status !== 'closed') return undefined;
  const closedAt = timeline.reduce<string | undefined>(
    (last, e) => (e.type === 'closed' && (last === undefined || e.at > last) ? e.at : last),
    undefined,
  );
  return {
    stepId: PURGE_STEP,
    dueAt: new Date(Date.parse(closedAt ?? c.updatedAt) + closedCaseDays * DAY_MS).toISOString(),
  };
}

export const isPurge = (step: { stepId: string }): step is PurgeStep => step.stepId === PURGE_STEP;
