/** Ports of the ask side (core/invitations); adapters in shared/adapters/invitation-store.ts. */
import type { NoticeRequested } from '../events/notice-requested.ts';
import type { Feedback } from './feedback.ts';
import type { ContactLogEntry, ContactState, Invitation } from './invitation.ts';
import type { StoredEvent } from './journey.ts';

/**
 * One all-or-nothing change of an invitation: its new state (written only if it is still at
 * `expectedVersion`), the contact state it moves (only if still at its version), the contact log
 * lines, the notice it queues (through the outbox) and the feedback an answer becomes.
 */
export interface InvitationChange {
  invitation: Invitation;
  /** Undefined: the invitation is new (written only if absent). */
  expectedVersion?: number;
  contact?: { contactKey: string; state: ContactState; expectedVersion: number };
  log: readonly ContactLogEntry[];
  notice?: NoticeRequested;
  feedback?: Feedback;
  /** Added to the invitation's touchpoint and week (`askWeek`) in the same transaction. */
  counters?: Record<string, number>;
}

/** What a new journey event starts: its invitation (and its first log line), a churn answer. */
export interface EventStarts {
  /** The customer's contact key: the event stamps their first-seen time (once). */
  contactKey?: string;
  invitation?: Invitation;
  log: readonly ContactLogEntry[];
  feedback?: Feedback;
}

export type RecordOutcome = { created: true } | { created: false; existing: StoredEvent };

export interface JourneyStore {
  /**
   * Stores the event unless its id was used, with everything it starts (its invitation, the
   * contact log, a churn answer), in one transaction; otherwise answers the stored event.
   */
  record(event: StoredEvent, starts: EventStarts): Promise<RecordOutcome>;
  /** When the first journey event of this contact key arrived (undefined: none yet). */
  firstSeen(contactKey: string): Promise<string | undefined>;
}

export interface InvitationReader {
  get(invitationId: string): Promise<Invitation | undefined>;
}

export interface InvitationStore extends InvitationReader {
  /** Ids of invitations whose next step is due by `dueBy` in one shard, page by page. */
  due(shard: string, dueBy: string, onPage: (invitationIds: string[]) => Promise<void>): Promise<void>;
  contactState(contactKey: string): Promise<ContactState>;
  /** Applies the change; false when a condition failed (someone else moved it first). */
  apply(change: InvitationChange): Promise<boolean>;
  /** The page was opened: stamps `openedAt` once. */
  markOpened(invitation: Invitation, at: string): Promise<void>;
  /** The customer's contact log, newest first. */
  contactLog(contactKey: string, limit: number): Promise<ContactLogEntry[]>;
}

/** What the contact limits need to know about a customer beyond their contact state. */
export interface CustomerFactsReader {
  suppressed(email: string): Promise<boolean>;
  /** A case for this address is being worked on (not resolved or closed). */
  caseOpen(email: string): Promise<boolean>;
}
