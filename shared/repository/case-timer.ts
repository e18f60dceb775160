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
  nextTimerStep,
  RECHECK_STEP,
  type SlaConfig,
  type SlaPolicySpec,
  type SlaStep,
  slaContextOf,
  type TimerFields,
} from '../domain/sla.ts';
import { table } from '../table.ts';
import { shardOf } from './shard.ts';

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

/** The case id's shard (FNV-1a mod the shard count): stable across runtimes and deploys. */
export function timerShardOf(caseId: string): string {
  return timerShards[shardOf(caseId, timerShards.length)] as string;
}

/** Timer fields for a step (undefined: the case leaves the index). */
export function timerFieldsOf(
  caseId: string,
  step: Pick<SlaStep, 'stepId' | 'dueAt'> | undefined,
): TimerFields | undefined {
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

/** The timer a case item should carry now: its next SLA step, or its purge once closed (config looked up). */
export function timerFieldsFor(
  c: Pick<Case, 'caseId' | 'status' | 'createdAt' | 'updatedAt' | 'contactConsent' | 'teamId' | 'severity'>,
  timeline: readonly TimelineEvent[],
  config: SlaConfig,
): TimerFields | undefined {
  return timerFieldsOf(c.caseId, nextTimerStep(c, timeline, slaContextOf(c, config)));
}
