/**
 * Survey invitations (docs/invitations.md): one per journey event and rule, scheduled when the
 * event arrives, emailed once inside the site's contact hours, reminded at most once, answered at
 * most once, expired when unanswered. The contact limits decide at send time, against the
 * customer's contact state. Pure: callers pass the time.
 */
import { createHash } from 'node:crypto';
import { normalizeAddress } from './address.ts';
import { type CalendarSpec, nextBusinessInstant } from './calendar.ts';
import { signLink } from './signed-link.ts';
import { DAY_MS, MINUTE_MS } from './time.ts';

export type SurveyType = 'nps' | 'csat' | 'ces';

export interface SurveySpec {
  type: SurveyType;
  reasons: readonly string[];
  comment: boolean;
}

export type InvitationStatus =
  /** Waiting for its email (`sendAt`). */
  | 'scheduled'
  /** Emailed (a reminder may follow), waiting for an answer until `closesAt`. */
  | 'sent'
  /** Not emailed (its rule makes only a link and QR code), open until `closesAt`. */
  | 'issued'
  | 'answered'
  | 'expired'
  /** Never emailed: a contact limit or the customer's state said no (`skipReason`). */
  | 'skipped';

export const skipReasons = [
  'no_consent',
  'suppressed',
  'case_open',
  'answered_recently',
  'ignored_recently',
  'max_per_30_days',
  'erased',
] as const;
export type SkipReason = (typeof skipReasons)[number];

export interface Invitation {
  invitationId: string;
  siteId: string;
  eventId: string;
  eventType: string;
  ruleId: string;
  touchpoint: string;
  survey: SurveySpec;
  customer: {
    email?: string;
    id?: string;
    name?: string;
    locale: 'ja' | 'en';
    contactConsent: boolean;
    /** Customer since (the event's `customer.since`, else their first event seen): the answer's cohort. */
    since?: string;
  };
  /** The customer as the contact limits count them: `<siteId>.<hash>` (shared/domain/invitation.ts). */
  contactKey: string;
  orderId?: string;
  /** The rule emails it (else only the link and QR code). */
  emailed: boolean;
  status: InvitationStatus;
  createdAt: string;
  /** When the email is due (emailed ones). */
  sendAt?: string;
  sentAt?: string;
  /** When the one reminder is due, if the rule has one. */
  remindAt?: string;
  remindedAt?: string;
  /** The survey closes at this instant: the link then answers 410. */
  closesAt: string;
  openedAt?: string;
  answeredAt?: string;
  feedbackId?: string;
  skipReason?: SkipReason;
  /**
   * The ISO week (in the site's contact-hours zone) of its email, else of its creation: the week
   * whose `invited`, `opened` and `answered` counters it adds to (emailed invitations only).
   */
  askWeek: string;
  /** Bumped by every change; writes are conditional on it. */
  version: number;
}

/** The counters an invitation step adds to its touchpoint's week: only emailed ones are asked. */
export function askTallies(inv: Pick<Invitation, 'emailed'>, name: 'invited' | 'opened' | 'answered') {
  return inv.emailed ? { [name]: 1 } : undefined;
}

export interface RuleTiming {
  delayMinutes: number;
  reminderAfterDays: number;
  expiresAfterDays: number;
  emailed: boolean;
}

/** Same site, event and rule: the same invitation, so a replayed event cannot make a second. */
export function invitationIdFor(siteId: string, eventId: string, ruleId: string): string {
  return `inv_${createHash('sha256').update(`${siteId}\n${eventId}\n${ruleId}`).digest('base64url').slice(0, 26)}`;
}

export const isInvitationId = (id: string) => /^inv_[A-Za-z0-9_-]{26}$/.test(id);

/**
 * The customer the limits count: the normalized address when there is one (mail goes there),
 * else the shop's customer id; hashed, so the key names nobody.
 */
export function contactKeyOf(siteId: string, customer: { email?: string; id?: string }): string {
  const who = customer.email ? `email:${normalizeAddress(customer.email)}` : `id:${customer.id ?? ''}`;
  return `${siteId}.${createHash('sha256').update(who).digest('base64url').slice(0, 32)}`;
}

/**
 * When the email goes: the event time plus the delay (never in the past), moved to the next
 * open minute of the contact calendar read in the customer's zone.
 */
export function sendTimeOf(occurredAt: Date, now: Date, delayMinutes: number, hours: CalendarSpec): Date {
  const due = new Date(Math.max(occurredAt.getTime() + delayMinutes * MINUTE_MS, now.getTime()));
  return nextBusinessInstant(due, hours);
}

/** The schedule of a new invitation: when it is sent, reminded and expires. */
export function scheduleOf(
  occurredAt: Date,
  now: Date,
  timing: RuleTiming,
  hours: CalendarSpec,
): Pick<Invitation, 'status' | 'sendAt' | 'remindAt' | 'closesAt'> {
  if (!timing.emailed) {
    return { status: 'issued', closesAt: iso(now.getTime() + timing.expiresAfterDays * DAY_MS) };
  }
  const sendAt = sendTimeOf(occurredAt, now, timing.delayMinutes, hours);
  return {
    status: 'scheduled',
    sendAt: sendAt.toISOString(),
    ...(timing.reminderAfterDays > 0
      ? { remindAt: iso(sendAt.getTime() + timing.reminderAfterDays * DAY_MS) }
      : {}),
    closesAt: iso(sendAt.getTime() + timing.expiresAfterDays * DAY_MS),
  };
}

/** What the sweep does with an invitation at `now`, and when it is due next. */
export type InvitationStep =
  | { step: 'send'; dueAt: string }
  | { step: 'remind'; dueAt: string }
  | { step: 'expire'; dueAt: string };

/** The next step of an invitation, or none (answered, expired, skipped: it leaves the index). */
export function nextInvitationStep(inv: Invitation): InvitationStep | undefined {
  switch (inv.status) {
    case 'scheduled':
      return { step: 'send', dueAt: inv.sendAt ?? inv.createdAt };
    case 'sent':
      if (inv.remindAt && !inv.remindedAt && inv.remindAt < inv.closesAt) {
        return { step: 'remind', dueAt: inv.remindAt };
      }
      return { step: 'expire', dueAt: inv.closesAt };
    case 'issued':
      return { step: 'expire', dueAt: inv.closesAt };
    default:
      return undefined;
  }
}

/** A customer's contact history, as the limits need it (one item per contact key). */
export interface ContactState {
  /** Instants of the invitations emailed to them in the last 30 days. */
  sentAt: readonly string[];
  lastAnsweredAt?: string;
  /** When the last invitation expired unanswered. */
  lastIgnoredAt?: string;
  version: number;
}

export const emptyContactState: ContactState = { sentAt: [], version: 0 };

export interface LimitSettings {
  quietDaysAfterAnswer: number;
  quietDaysAfterIgnored: number;
  maxInvitationsPer30Days: number;
}

export interface CustomerFacts {
  consent: boolean;
  suppressed: boolean;
  /** A case for this customer is being worked on (not resolved or closed). */
  caseOpen: boolean;
}

/**
 * Whether an invitation may be emailed now (undefined) or why not. The order is the one a reader
 * would check: the customer said no, then the work in progress, then the limits.
 */
export function contactLimitReason(
  state: ContactState,
  facts: CustomerFacts,
  limits: LimitSettings,
  now: Date,
): SkipReason | undefined {
  if (!facts.consent) return 'no_consent';
  if (facts.suppressed) return 'suppressed';
  if (facts.caseOpen) return 'case_open';
  const t = now.getTime();
  if (state.lastAnsweredAt && t < Date.parse(state.lastAnsweredAt) + limits.quietDaysAfterAnswer * DAY_MS) {
    return 'answered_recently';
  }
  if (state.lastIgnoredAt && t < Date.parse(state.lastIgnoredAt) + limits.quietDaysAfterIgnored * DAY_MS) {
    return 'ignored_recently';
  }
  if (recentSends(state, now).length >= limits.maxInvitationsPer30Days) return 'max_per_30_days';
  return undefined;
}

/** The sends that still count against the 30-day maximum at `now`. */
export function recentSends(state: ContactState, now: Date): string[] {
  const since = now.getTime() - 30 * DAY_MS;
  return state.sentAt.filter((at) => Date.parse(at) > since);
}

/** A promoter is shown the site's review link: NPS 9–10, CSAT 5, CES 6–7. */
export function isPromoter(type: SurveyType, score: number): boolean {
  return type === 'nps' ? score >= 9 : type === 'csat' ? score >= 5 : score >= 6;
}

export const SCORE_RANGES: Record<SurveyType, { min: number; max: number }> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The invitation's survey token: a signed link naming only the invitation (its id is the token id,
 * so every copy of the link is one answer), signed with the link secret, ending when it closes.
 */
export function surveyTokenOf(
  inv: { invitationId: string; customer: { locale: 'ja' | 'en' }; closesAt: string },
  secret: string,
) {
  return signLink(
    {
      jti: inv.invitationId,
      act: 'survey',
      locale: inv.customer.locale,
      exp: Math.floor(Date.parse(inv.closesAt) / 1000),
    },
    secret,
  );
}

/** The page's and the QR code's addresses under the public base URL. */
export function surveyLinksOf(base: string, token: string): { surveyUrl: string; qrSvgUrl: string } {
  const root = `${base.replace(/\/+$/, '')}/s/${token}`;
  return { surveyUrl: root, qrSvgUrl: `${root}/qr.svg` };
}

/** One line of a customer's contact log. */
export type ContactLogWhat =
  | 'scheduled'
  | 'issued'
  | 'invited'
  | 'reminded'
  | 'skipped'
  | 'answered'
  | 'expired';

export interface ContactLogEntry {
  at: string;
  invitationId: string;
  what: ContactLogWhat;
  touchpoint: string;
  reason?: SkipReason;
}
