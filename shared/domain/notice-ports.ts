/**
 * Ports of the notify function and of the signed-link actions (core/notices, functions/actions); DynamoDB and
 * SES adapters in shared/adapters. Pure: no AWS imports.
 */
import type { Case, CaseStatus, TimelineEvent } from './case.ts';
import { DomainError } from './errors.ts';

// ---- mail ---------------------------------------------------------------------------------------

export interface OutgoingMail {
  /** `Display <address>`, header-safe. */
  from: string;
  /** One bare address: display names never reach a header. */
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (List-Unsubscribe…), printable ASCII only. */
  headers: { name: string; value: string }[];
  /** Message tags SES echoes in its sending events (the claim they settle). */
  tags?: { name: string; value: string }[];
}

export interface Mailer {
  /**
   * Sends one email; throws `TransientMailError` when nothing was sent and a retry may succeed,
   * `MailOutcomeUnknownError` when the request may have been taken, else any other error (refused).
   */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

/** SES said "not now" (throttling, 5xx) or the request never reached it: nothing was sent. */
export class TransientMailError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super(message);
    this.cause = cause;
  }
}

/**
 * The request reached SES and no answer came back (a timeout, a reset connection): the mail may be
 * out. Neither a retry (it could send twice) nor `failed` (it may have gone) is right: the claim's
 * lease decides (core/notices/leases.ts).
 */
export class MailOutcomeUnknownError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super(message);
    this.cause = cause;
  }
}

// ---- suppression list ---------------------------------------------------------------------------

export type SuppressionReason = 'unsubscribe' | 'bounce' | 'complaint';

export interface SuppressionList {
  isSuppressed(email: string): Promise<boolean>;
  /** Idempotent: the first reason and time are kept. */
  add(email: string, reason: SuppressionReason, at: Date, detail?: Record<string, unknown>): Promise<void>;
}

// ---- the ledger: each notice to each recipient sent once ----------------------------------------

/** One notice to one recipient: the unit that is sent at most once. */
export interface NoticeKey {
  noticeId: string;
  email: string;
}

/**
 * `held`: waiting for the address's double opt-in; a released copy (`<id>:released`) is sent
 * instead, unless the case moved past it meanwhile (`superseded`).
 */
export type NoticeStatus =
  | 'sent'
  | 'failed'
  | 'suppressed'
  | 'no_consent'
  | 'held'
  | 'superseded'
  /** Asked for before the case's customer data was erased (`Case.erasedAt`). */
  | 'erased'
  | 'batched';

export interface NoticeOutcome {
  status: NoticeStatus;
  kind: string;
  caseId?: string;
  messageId?: string;
  error?: string;
  /** The `notice_sent` event to append to the case's timeline with the outcome, if any. */
  event?: TimelineEvent;
}

export type ClaimResult =
  /** `lease`: 1 for the first delivery, 2 for the copy a reconciler queued again. */
  | { claimed: true; claimToken: string; lease: number; tags: { name: string; value: string }[] }
  /** Claimed before: by an earlier delivery (done) or one still in flight (`sending`). */
  | { claimed: false; status: NoticeStatus | 'sending' | 'released' };

/** What a claim holds until it is settled: enough to settle it or queue the notice again. */
export interface OpenClaim {
  key: NoticeKey;
  /** `released`: its lease ran out and the notice was queued again, not yet claimed anew. */
  status: 'sending' | 'released';
  claimToken?: string;
  leases: number;
  /** When the reconciler should look at it next (the lease's end). */
  dueAt: string;
  /** The notice as it was queued (a `notice.requested` message body). */
  body: string;
}

export interface NoticeLedger {
  /**
   * Conditional create of the claim (`sending` until `lease.until`, holding the notice's body), or
   * take-over of a `released` one; answers who holds it otherwise.
   */
  claim(key: NoticeKey, kind: string, at: Date, lease: { until: Date; body: string }): Promise<ClaimResult>;
  /** Deletes our claim after a transient failure, so the redelivery can try again. */
  release(key: NoticeKey, claimToken: string): Promise<void>;
  /** Our claim → its outcome, with the timeline event, in one transaction. */
  complete(key: NoticeKey, claimToken: string, outcome: NoticeOutcome, at: Date): Promise<void>;
  /**
   * A notice that is not sent (suppressed, no consent): claim and outcome in one conditional write.
   * `duplicate` when it was handled before.
   */
  settle(key: NoticeKey, outcome: NoticeOutcome, at: Date): Promise<'recorded' | 'duplicate'>;
  /** An open claim by its notice id and recipient hash (a send event's tags), if still open. */
  openClaim(noticeId: string, recipientHash: string): Promise<OpenClaim | undefined>;
  /** Open claims whose `dueAt` is at or before `dueBy`, a page at a time. */
  dueClaims(dueBy: Date, onPage: (claims: OpenClaim[]) => Promise<void>): Promise<void>;
  /**
   * An open claim (`sending` or `released`) → `sent`, with its event: SES reported the send, so
   * whoever held the claim sent it. `settled` when it was settled already.
   */
  confirmSent(key: NoticeKey, outcome: NoticeOutcome, at: Date): Promise<'recorded' | 'settled'>;
  /**
   * The reconciler's turn on a due claim, conditional on the claim being as it read it: `released`
   * with `dueAt` moved to `nextDue`. False when someone else changed it first.
   */
  expire(claim: OpenClaim, nextDue: Date): Promise<boolean>;
}

// ---- cases ----------------------------------------------------------------------------------------

export interface CaseReader {
  get(caseId: string): Promise<Case | undefined>;
}

/** The token a signed link carries, consumed in the same transaction as the action. */
export interface SingleUse {
  jti: string;
  /** Epoch seconds; the used-token record is kept a while past it, then expires. */
  expiresAt: number;
}

export type ActionResult =
  | { outcome: 'done'; status: CaseStatus }
  /** The link was used before. */
  | { outcome: 'used' }
  /** The case is not in a state that allows it (e.g. acknowledged already). */
  | { outcome: 'conflict'; status: CaseStatus }
  /** The member the link was sent to is no longer on the case's team. */
  | { outcome: 'forbidden' }
  | { outcome: 'not_found' };

/**
 * What staff and customers can do from an email. The staff API (issue #6) will implement
 * acknowledge / claim through its own use cases; the signed-link route only needs this port.
 */
export interface CaseActions {
  acknowledge(caseId: string, memberId: string, via: string, once?: SingleUse): Promise<ActionResult>;
  claim(caseId: string, memberId: string, via: string, once?: SingleUse): Promise<ActionResult>;
  rate(caseId: string, value: string, once?: SingleUse): Promise<ActionResult>;
}

/**
 * Each case's own key for its unsubscribe links (docs/design.md#signed-links). `keyFor` makes it
 * on first use and keeps it alive at least until `until` (epoch seconds).
 */
export interface UnsubscribeKeys {
  keyFor(caseId: string, now: Date, until: number): Promise<string>;
  find(caseId: string): Promise<string | undefined>;
}

/** The address of a case's customer, read from its feedback (undefined once erased or expired). */
export interface CaseCustomers {
  addressOf(caseId: string): Promise<string | undefined>;
}

export interface UsedTokens {
  /** Whether a single-use token was used (a GET may look, never write). */
  isUsed(jti: string): Promise<boolean>;
}
