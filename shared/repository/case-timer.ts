/**
 * The case item's timer attributes: the sparse `timers` index (shared/table.ts) that the SLA
 * sweep queries, sharded so due timers spread over 16 partitions. The domain decides the next
 * step (shared/domain/sla.ts); this module says how a case item carries it.
 */
import type { CalendarSpec } from '../domain/calendar.ts';
import type { Case, TimelineEvent } from '../domain/case.ts';
import {
  type FollowUpSpec,
  nextStep,
  RECHECK_STEP,
  type SlaConfig,
  type SlaPolicySpec,
  type SlaStep,
  slaContextOf,
  type TimerFields,
} from '../domain/sla.ts';
import { table } from '../table.ts';
import { fnv1a } from './shard.ts';

/** Attribute names of the timer fields, for `REMOVE` when a case has no next step. */
export const timerAttributes = [
  table.timersIndex.partitionKey,
  table.timersIndex.sortKey,
  'dueStep',
] as const satisfies readonly (keyof TimerFields)[];

/** Every shard partition value, `T#00`..`T#15`. */
export const timerShards: readonly string[] = Array.from(
  { length: table.timersIndex.shards },
  (_, i) => `T#${String(i).padStart(2, '0')}`,
);

/** FNV-1a (32 bit) of the case id mod the shard count: stable across runtimes and deploys. */
export function timerShardOf(caseId: string): string {
  return timerShards[fnv1a(caseId) % timerShards.length] as string;
}

/** Timer fields for a step (undefined: the case leaves the index). */
export function timerFieldsOf(caseId: string, step: SlaStep | undefined): TimerFields | undefined {
  if (step === undefined) return undefined;
  return { timerShard: timerShardOf(caseId), dueAt: step.dueAt, dueStep: step.stepId };
}

/** The timer fields a case item should carry now (e.g. when triage opens it). */
export function timerFields(
  c: Pick<Case, 'caseId' | 'status' | 'createdAt' | 'updatedAt' | 'contactConsent'>,
  timeline: readonly TimelineEvent[],
  calendar: CalendarSpec,
  policy: SlaPolicySpec,
  followUp: FollowUpSpec,
): TimerFields | undefined {
  return timerFieldsOf(c.caseId, nextStep(c, timeline, calendar, policy, followUp));
}

/**
 * Timer fields that make the next sweep (within a minute) recompute the case's next step from its
 * timeline and fire or re-time it: for a writer without the config at hand (e.g. a signed-link
 * action). Writers that have it use `timerFieldsFor` instead.
 */
export function recheckTimerFields(caseId: string, at: Date): TimerFields {
  return { timerShard: timerShardOf(caseId), dueAt: at.toISOString(), dueStep: RECHECK_STEP };
}

/** `timerFields` with the calendar and policy looked up in the config. */
export function timerFieldsFor(
  c: Pick<Case, 'caseId' | 'status' | 'createdAt' | 'updatedAt' | 'contactConsent' | 'teamId' | 'severity'>,
  timeline: readonly TimelineEvent[],
  config: SlaConfig,
): TimerFields | undefined {
  const ctx = slaContextOf(c, config);
  return timerFields(c, timeline, ctx.calendar, ctx.policy, ctx.followUp);
}
