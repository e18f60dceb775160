/**
 * The case entity (docs/design.md#the-case: field names are part of the contract) and its timeline.
 * Pure: no AWS imports. Key formats live in shared/repository/case-item.ts.
 */
import type { CaseSummary } from './case-summary.ts';
import type { Sentiment, Severity } from './classify.ts';

export const caseStatuses = [
  'open',
  'acknowledged',
  'waiting_on_customer',
  'resolved',
  'reopened',
  'closed',
] as const;
export type CaseStatus = (typeof caseStatuses)[number];

export const timelineEventTypes = [
  'opened',
  'assigned',
  'warned',
  'escalated',
  'acknowledged',
  'note',
  'update_sent',
  'paused',
  'resumed',
  'resolved',
  'reopened',
  'closed',
  'follow_up_sent',
  'verified',
  'notice_sent',
  'erased',
  'consent_lapsed',
] as const;
export type TimelineEventType = (typeof timelineEventTypes)[number];

export interface Case {
  caseId: string;
  /**
   * The short reference customers are given (`CL-7K3M9`, shared/domain/case-ref.ts), unique in the
   * deployment and never reused; absent on cases opened before references existed.
   */
  ref?: string;
  feedbackId: string;
  status: CaseStatus;
  severity: Severity;
  sentiment: Sentiment;
  category: string;
  touchpoint: string;
  channel: string;
  teamId: string;
  assigneeId: string;
  /** The routing rule id that chose the team, or 'fallback'. */
  routedBy: string;
  /** ISO instants on the team's business calendar. */
  acknowledgeBy: string;
  resolveBy: string;
  /** 0 until the first rung of the ladder fires. */
  escalationLevel: number;
  problemId?: string;
  /** Starts at 1; every change increments it (If-Match on the staff API). */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Not in the public case resource, kept for later steps: */
  siteId: string;
  /** The customer's language for notices (feedback's locale, else the site's default). */
  customerLocale: string;
  /** Whether the customer may be emailed (the address itself stays on the feedback only). */
  contactConsent: boolean;
  /**
   * The address came with the site's server key: the shop vouches for it, so it needs no double
   * opt-in and its display name may appear in customer email (docs/threat-model.md).
   */
  contactVouched?: boolean;
  /** When the customer's data was last erased: notify sends no notice about the case asked for before. */
  erasedAt?: string;
  /** The feedback's first line, rating and customer, for the queue (absent on older cases). */
  summary?: CaseSummary;
}

/** One entry of a case's audit trail (invariant 4). */
export interface TimelineEvent {
  at: string;
  type: TimelineEventType;
  /** Who did it: `system:<function>` or `staff:<memberId>` or `customer`. */
  actor: string;
  data: Record<string, unknown>;
  /** From where: the function or route (`triage`, `api`, `email-link`, `sla`…). */
  via: string;
}

/**
 * A case id follows from its feedback id (`fb_<x>` → `case_<x>`), so a redelivered feedback can
 * never open a second case: the conditional put of the same key fails.
 */
export function caseIdFor(feedbackId: string): string {
  return `case_${feedbackId.startsWith('fb_') ? feedbackId.slice(3) : feedbackId}`;
}

/** Messages name the short reference as `caseRef`, beside `caseId`, when the case has one. */
const refFact = (c: Pick<Case, 'ref'>) => (c.ref ? { caseRef: c.ref } : {});

/** The facts every message about a case repeats (its event, staff notices): what it is, from where. */
export const caseFacts = (c: Case) => ({
  caseId: c.caseId,
  ...refFact(c),
  feedbackId: c.feedbackId,
  siteId: c.siteId,
  severity: c.severity,
  sentiment: c.sentiment,
  category: c.category,
  touchpoint: c.touchpoint,
  channel: c.channel,
});

/** What a customer notice names: the case, the shop (by its configured name) and the touchpoint. */
export const customerNoticeFacts = (c: Case, siteName: string | undefined) => ({
  caseId: c.caseId,
  ...refFact(c),
  feedbackId: c.feedbackId,
  siteId: c.siteId,
  ...(siteName ? { siteName } : {}),
  touchpoint: c.touchpoint,
  category: c.category,
});
