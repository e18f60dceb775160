/** Ports of the triage use case (functions/triage); DynamoDB adapters in shared/adapters. */
import type { AssignmentState, RoundRobinCursor } from './assignment.ts';
import type { Case, TimelineEvent } from './case.ts';
import type { Sentiment, Severity } from './classify.ts';
import { DomainError } from './errors.ts';
import type { Feedback } from './feedback.ts';
import type { CounterDimension, Tallies } from './metrics.ts';
import type { OutboxEntry } from './outbox.ts';

export interface FeedbackReader {
  /** The stored feedback (strongly consistent), or undefined if there is none. */
  get(feedbackId: string): Promise<Feedback | undefined>;
}

export interface AssignmentStateReader {
  /** The team's round-robin cursor and open-case counts (strongly consistent). */
  read(teamId: string): Promise<AssignmentState>;
}

/** Written once per triaged feedback, with or without a case: the "counted once" guard. */
export interface TriageMarker {
  feedbackId: string;
  receivedAt: string;
  triagedAt: string;
  caseId?: string;
  sentiment: Sentiment;
  category: string;
  severity: Severity;
  teamId: string;
  routedBy: string;
  /** The ISO week the feedback was counted in. */
  week: string;
}

export interface CounterIncrement {
  dimension: CounterDimension;
  key: string;
  /** `yyyy-Www`. */
  week: string;
  tallies: Tallies;
}

/** Everything triage writes for one feedback, all or nothing. */
export interface TriageWrite {
  at: Date;
  marker: TriageMarker;
  opened?: {
    case: Case;
    /** In order; written with sequence numbers 0, 1, … */
    events: TimelineEvent[];
    assignment: {
      teamId: string;
      memberId: string;
      /** Round robin: move the cursor, conditional on the sequence number read. */
      cursor?: { expectedSeq: number | undefined; next: RoundRobinCursor };
    };
    /** The case item's SLA timer attributes (the sparse `timers` index, shared/domain/sla.ts). */
    timer?: { timerShard: string; dueAt: string; dueStep: string };
  };
  counters: CounterIncrement[];
  outbox: OutboxEntry[];
}

export type CommitResult = 'committed' | 'duplicate';

export interface TriageStore {
  /**
   * Writes everything in one transaction. Answers `duplicate` (writing nothing) when the feedback
   * was triaged before; throws `AssignmentConflict` when the team's cursor moved since it was read
   * and `TransactionConflict` when a concurrent transaction held one of the items, and
   * `CaseRefTaken` when another case holds the new case's reference.
   */
  commit(write: TriageWrite): Promise<CommitResult>;
}

/** The transaction lost a race; rebuilt from fresh reads it may succeed. */
export class WriteConflict extends DomainError {}

/** Another triage advanced the team's round-robin cursor first; re-read and try again. */
export class AssignmentConflict extends WriteConflict {
  constructor(readonly teamId: string) {
    super(`round-robin cursor of team ${teamId} moved concurrently`);
  }
}

/**
 * DynamoDB cancelled the transaction because another transaction was writing one of its items at
 * the same moment (e.g. two triages adding to the same weekly counter): try again shortly.
 */
export class TransactionConflict extends WriteConflict {
  constructor(detail: string) {
    super(`transaction conflict: ${detail}`);
  }
}

/** Another case holds the reference drawn for the new case: draw again (a longer one). */
export class CaseRefTaken extends WriteConflict {
  constructor(readonly ref: string) {
    super(`case reference ${ref} is taken`);
  }
}

/** The message names a feedback that is not stored (never was, or erased/expired). */
export class FeedbackNotFound extends DomainError {
  constructor(readonly feedbackId: string) {
    super(`feedback ${feedbackId} not found`);
  }
}
