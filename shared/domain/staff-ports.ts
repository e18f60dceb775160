import type { OutboxEntry } from './outbox.ts';
/**
 * Ports of the staff API's use cases (functions/cases); DynamoDB adapters in
 * shared/adapters/ (case-store, problem-store, metrics-reader, customer-data). Pure: no AWS imports.
 */

import type { AttainmentIncrement } from './attainment.ts';
import type { Case, CaseStatus, TimelineEvent } from './case.ts';
import type { Severity } from './classify.ts';
import type { ContactRef } from './contact.ts';
import type { Feedback } from './feedback.ts';
import type { BroadcastJob } from './known-issue-ports.ts';
import type { TrendGroup } from './metrics.ts';
import type { SingleUse } from './notice-ports.ts';
import type { Problem, ProblemStatus } from './problem.ts';
import type { TimerFields } from './sla.ts';
import type { CustomerContact } from './sla-ports.ts';

export interface LoadedCase {
  case: Case;
  /** In time order (the table's sort key order). */
  timeline: TimelineEvent[];
  /** The sort key of each timeline entry (same order), for erasure's redactions. */
  eventKeys: string[];
  /** The timer fields the item carries now. */
  timer: Partial<TimerFields>;
}

/** Moves the open-case counter of a member (fewest_open assignment), `ADD delta`. */
export interface OpenCounterDelta {
  teamId: string;
  memberId: string;
  delta: number;
}

/** One change of a case, all or nothing (one TransactWriteItems). */
export interface CaseWrite {
  caseId: string;
  at: Date;
  /** The write holds only if the case still has this version. */
  expectedVersion: number;
  /** Case attributes that change (always `version` and `updatedAt`). */
  set: Partial<Case> & Pick<Case, 'version' | 'updatedAt'>;
  /** The SLA timer after the change (undefined: the case leaves the timers index). */
  timer: TimerFields | undefined;
  /** The change's timeline event (two only for a follow-up answer: `verified` + its transition). */
  events: TimelineEvent[];
  outbox: OutboxEntry[];
  counters: AttainmentIncrement[];
  openCounters: OpenCounterDelta[];
  /**
   * Links the case to a problem: the link item is written with the change, and the case's
   * touchpoint, team and site are added to the problem's.
   */
  link?: {
    problemId: string;
    teamId: string;
    touchpoint: string;
    siteId: string;
    customerRef?: string;
    linkedBy: string;
  };
  /** The single-use signed link this change spends (conditional on not being spent). */
  singleUse?: SingleUse & { act: string };
  /** Timeline entries whose `data` is replaced (erasure), by sort key. */
  redactions?: { key: string; data: Record<string, unknown> }[];
  /** Outbox items deleted (erasure: relayed notices that still hold an address), by outbox id. */
  outboxDeletes?: string[];
  /** Erasure: the problem whose link item of this case forgets the customer's address hash. */
  unlinkCustomerFrom?: string;
}

/**
 * `stale`: the case is not at `expectedVersion` (or is gone); `token_used`: the signed link was
 * spent before; `conflict`: DynamoDB cancelled the transaction for a concurrent one (retryable).
 */
export type CaseCommitResult = 'committed' | 'stale' | 'token_used' | 'conflict';

export interface CaseListQuery {
  teamId: string;
  statuses?: readonly CaseStatus[];
  severity?: Severity;
  assigneeId?: string;
  /** true: only overdue cases; false: only cases that are not; undefined: both. */
  overdue?: boolean;
  /** ISO instant "overdue" is judged at. */
  now: string;
  limit: number;
  /** Where the previous page stopped (an index key). */
  startKey?: Record<string, string>;
  /** Index pages read at most for this request (filters can make pages sparse). */
  maxReads: number;
}

export interface CasePage {
  items: Case[];
  /** Where to continue; undefined when the team has nothing more. */
  lastKey?: Record<string, string>;
  /** Index pages read. */
  reads: number;
}

export interface StaffCaseStore {
  load(caseId: string): Promise<LoadedCase | undefined>;
  commit(write: CaseWrite): Promise<CaseCommitResult>;
  list(query: CaseListQuery): Promise<CasePage>;
  /** The case a short reference was given to (one GetItem of its claim), or undefined. */
  caseIdOfRef(ref: string): Promise<string | undefined>;
  feedback(feedbackId: string): Promise<Feedback | undefined>;
  contact(feedbackId: string): Promise<CustomerContact | undefined>;
  /** Whether a single-use signed link was spent. */
  tokenUsed(jti: string): Promise<boolean>;
}

/** A case linked to a problem, with the team it belonged to when linked (cases never change team). */
export interface LinkedCase {
  caseId: string;
  teamId: string;
  /** Absent on links written before links carried them. */
  touchpoint?: string;
  /** `<siteId>.<hash>` of the customer's address (shared/domain/contact.ts), when the case has one. */
  customerRef?: string;
}

/** A resolved problem's before/after verification, due at `dueAt`. */
export interface ProblemCheck {
  problemId: string;
  dueAt: string;
  /** The resolution it checks: a problem reopened or resolved again since is not checked by it. */
  resolution: number;
}

export interface ProblemPage {
  items: Problem[];
  lastKey?: Record<string, string>;
}

export interface ProblemStore {
  /** Conditional create; false when the id exists. */
  create(problem: Problem): Promise<boolean>;
  get(problemId: string): Promise<Problem | undefined>;
  /** One status's problems, newest first (the problems-by-status index). */
  byStatus(query: {
    status: ProblemStatus;
    limit: number;
    startKey?: Record<string, string>;
  }): Promise<ProblemPage>;
  /** Every linked case with its team (paginated reads, no cap). */
  linkedCases(problemId: string): Promise<LinkedCase[]>;
  /**
   * Conditional on `expectedVersion`; `stale` otherwise. What `also` names is written in the same
   * transaction: the verification and the broadcast a resolution schedules, the events and
   * notices a resolution or a verification queues.
   */
  update(
    problemId: string,
    expectedVersion: number,
    set: Partial<Problem> & Pick<Problem, 'version' | 'updatedAt'>,
    also?: { check?: ProblemCheck; broadcast?: BroadcastJob; outbox?: readonly OutboxEntry[]; at?: Date },
  ): Promise<'committed' | 'stale'>;
  /** Checks due by `dueBy`, oldest first, at most `limit`. */
  dueChecks(dueBy: string, limit: number): Promise<ProblemCheck[]>;
  /** Removes a check that ran (or no longer applies). */
  dropCheck(check: ProblemCheck): Promise<void>;
  /**
   * Its public face (`public`, `publicTitle`, `publicMessage`, `publicSiteIds`) as in `next`, and the
   * known-issues pages' pointers with it, in one transaction; conditional on `was.version`.
   */
  setPublic(next: Problem, was: Problem): Promise<'committed' | 'stale'>;
}

export interface MetricsReader {
  /**
   * Every counter item of one dimension and ISO week (one Query per partition, every page), named
   * by that dimension's key (`all` for `none`).
   */
  week(dimension: TrendGroup, week: string): Promise<Record<string, unknown>[]>;
}

/** One week's counters of one grouping, summed per key: what a trend reads instead of the shards. */
export interface WeekRollup {
  groupBy: TrendGroup;
  week: string;
  /** When it was summed (the clock's time); see core/insights/trends.ts for when it is summed again. */
  rolledAt: string;
  keys: Record<string, Record<string, number>>;
}

export interface RollupStore {
  /** The stored rollups of these weeks (BatchGetItem, 100 keys a call); missing weeks are absent. */
  get(groupBy: TrendGroup, weeks: readonly string[]): Promise<Map<string, WeekRollup>>;
  put(rollup: WeekRollup): Promise<void>;
}

/**
 * The feedback attributes erasure removes (personal data); ratings, reasons and the rest stay for
 * the metrics.
 */
export const erasedFeedbackFields = ['customer.email', 'customer.name', 'comment', 'context'] as const;

export interface CustomerDataStore {
  /** Feedback ids whose customer address hashes to `customerHash` (the erasure index). */
  feedbackIdsOf(customerHash: string): Promise<string[]>;
  /**
   * Removes the personal fields from one feedback item and its index entry, setting `erasedAt`.
   * `missing` when the item is gone (expired or deleted meanwhile).
   */
  eraseFeedback(feedbackId: string, at: Date): Promise<'erased' | 'missing'>;
  /** The double opt-in state and held notices of the address at one site (shared/domain/contact.ts). */
  eraseContact(ref: ContactRef): Promise<void>;
  /**
   * The ask side of the address (core/invitations): its journey events and invitations (with
   * their queued emails and unsubscribe keys, so their survey links answer 404), and the contact
   * logs and states of these contact keys. Answers how many items went.
   */
  eraseJourneys(customerHash: string, contactKeys: readonly string[]): Promise<number>;
}
