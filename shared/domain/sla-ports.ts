/** Ports of the SLA sweep (functions/sla); DynamoDB adapters in shared/adapters/sla-store.ts. */
import type { AttainmentIncrement } from './attainment.ts';
import type { Case, TimelineEvent } from './case.ts';
import type { OutboxEntry } from './outbox.ts';
import type { TimerFields } from './sla.ts';

/** What one index query page read (the counts DynamoDB returned). */
export interface TimerPage {
  caseIds: string[];
  count: number;
  scannedCount: number;
}

export interface TimerIndex {
  /**
   * Every case whose timer in `shard` is due at or before `dueBy` (ISO), page by page through
   * `LastEvaluatedKey`, no cap. `onPage` is awaited before the next page is read (back pressure).
   */
  due(shard: string, dueBy: string, onPage: (page: TimerPage) => Promise<void>): Promise<void>;
}

export interface StoredCase {
  case: Case;
  /** In time order. */
  timeline: TimelineEvent[];
  /** The timer fields the item carries now (missing once it left the index). */
  timer: Partial<TimerFields>;
}

export interface CustomerContact {
  email: string;
  name?: string;
}

/** One step, all or nothing (one TransactWriteItems). */
export interface StepWrite {
  caseId: string;
  at: Date;
  /** The write holds only if the case still has this version and due step. */
  expected: { version: number; dueStep: string | undefined };
  /** Case attributes to set (version, escalationLevel, updatedAt, status…). */
  set: Partial<Case> & Pick<Case, 'version' | 'updatedAt'>;
  /** The timer after the step (undefined: REMOVE the timer fields). */
  timer: TimerFields | undefined;
  event: TimelineEvent;
  /** 0 for the first step this run fires for the case, 1 for the next… (orders same-instant events). */
  eventIndex: number;
  outbox: OutboxEntry[];
  counters: AttainmentIncrement[];
}

/**
 * `committed`; `lost`: the condition failed (another sweep, or a staff action, changed the case
 * first); `conflict`: another transaction held one of the items (DynamoDB TransactionConflict),
 * worth a fresh read and another try.
 */
export type StepOutcome = 'committed' | 'lost' | 'conflict';

export interface SlaStore {
  /** The case item, its timer fields and its timeline (strongly consistent); undefined if gone. */
  load(caseId: string): Promise<StoredCase | undefined>;
  /** The customer's address from the stored feedback (undefined once erased or expired). */
  contact(feedbackId: string): Promise<CustomerContact | undefined>;
  commit(write: StepWrite): Promise<StepOutcome>;
  /**
   * Moves a stale timer (left behind by a writer that did not update it) to where the timeline
   * says, without a new version: conditional on the version and due step read.
   */
  retime(
    caseId: string,
    expected: { version: number; dueStep: string | undefined },
    timer: TimerFields | undefined,
  ): Promise<StepOutcome>;
  /**
   * Deletes a closed case past its retention with every item of its partition (timeline and
   * all), the case item last and conditional on the version read; a run that stops half-way
   * leaves the case due, so the next sweep finishes it.
   */
  purge(caseId: string, expected: { version: number }): Promise<StepOutcome>;
}
