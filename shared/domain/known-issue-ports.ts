/**
 * Ports of the known-issues page, its "notify me" subscriptions and the broadcast on resolution
 * (core/problems/known-issues.ts, core/problems/broadcast.ts); the DynamoDB adapter is
 * shared/adapters/known-issue-store.ts.
 */
import type { NoticeRequested } from '../events/notice-requested.ts';
import type { ContactRef } from './contact.ts';
import type { Problem } from './problem.ts';

/** One person who asked to be told when a problem is fixed (pending until their address is confirmed). */
export interface Subscription {
  problemId: string;
  siteId: string;
  /** The contact hash of the normalized address (shared/domain/contact.ts). */
  hash: string;
  email: string;
  locale?: string;
  createdAt: string;
}

export interface KnownIssueStore {
  /** The problems the site's page lists (public or not any more: the caller filters). */
  forSite(siteId: string): Promise<Problem[]>;
  /**
   * The subscription and its pointer in the contact's partition (a repeat changes nothing), with
   * the confirmation's outbox item when one is due, in one transaction.
   */
  subscribe(subscription: Subscription, confirmation?: NoticeRequested): Promise<void>;
}

/** A resolution's fan-out still to do: its stakeholder mails and its subscribers, page by page. */
export interface BroadcastJob {
  problemId: string;
  /** The problem's `resolutions` this job tells about (1 for its first resolution). */
  resolution: number;
  /** What subscribers are told (the resolution's customer message). */
  message: string;
  /** What the staff mail says changed (the resolution's actions). */
  changes: string[];
  /** Touchpoints and categories of the linked cases: who the stakeholders are. */
  touchpoints: string[];
  categories: string[];
  /** Linked cases when it was resolved, and how many of their customers were told. */
  affectedCases: number;
  customersTold: number;
  /** Contact hashes of the linked customers told through their case: not mailed again. */
  skip: string[];
  createdAt: string;
  /** The staff mails are in the outbox. */
  staffQueued?: boolean;
  /** Where the subscriber pages go on (an opaque key), absent before the first page. */
  cursor?: string;
  /** Subscribers given a mail so far (queued in the outbox). */
  queued?: number;
}

export interface SubscriberPage {
  items: Subscription[];
  /** The next page's cursor; absent at the end. */
  next?: string;
}

export interface BroadcastStore {
  /** Every job not finished. */
  pending(): Promise<BroadcastJob[]>;
  subscribers(problemId: string, cursor: string | undefined, limit: number): Promise<SubscriberPage>;
  /** Which of these contacts are confirmed (as `<siteId>.<hash>`). */
  confirmed(refs: readonly ContactRef[]): Promise<Set<string>>;
  /** Outbox items, one per notice, each put unless it exists: a page queued again sends nothing twice. */
  queue(notices: readonly NoticeRequested[], now: Date): Promise<void>;
  /** Moves the job on, conditional on the cursor it had: false when another run moved it first. */
  advance(
    job: BroadcastJob,
    next: Partial<Pick<BroadcastJob, 'cursor' | 'staffQueued' | 'queued'>>,
  ): Promise<boolean>;
  finish(job: BroadcastJob): Promise<void>;
  /** The address of a case's customer (from its feedback), when there is one. */
  customerAddressOf(caseId: string): Promise<string | undefined>;
}
