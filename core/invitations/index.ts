/**
 * Ask (docs/invitations.md): journey events in, survey invitations out. `recordJourneyEvent`
 * stores an event once and schedules what its rules ask for; `sweepInvitations`, in the minute
 * schedule, emails each due invitation once within the contact limits, reminds once, and closes
 * what went unanswered. Every step is one conditional change of the invitation at the version it
 * read, so two sweeps, or a sweep and an answer, never both act.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Config, InvitationRule } from '../../shared/config/schema.ts';
import { durationMinutes } from '../../shared/config/schema.ts';
import type { CalendarSpec } from '../../shared/domain/calendar.ts';
import { IdempotencyConflict } from '../../shared/domain/errors.ts';
import {
  bodyHashOf,
  type Feedback,
  type FeedbackInput,
  feedbackIdFor,
} from '../../shared/domain/feedback.ts';
import {
  askTallies,
  type ContactLogEntry,
  type ContactState,
  contactKeyOf,
  contactLimitReason,
  type Invitation,
  invitationIdFor,
  recentSends,
  type SkipReason,
  scheduleOf,
  surveyLinksOf,
  surveyTokenOf,
} from '../../shared/domain/invitation.ts';
import type {
  CustomerFactsReader,
  InvitationStore,
  JourneyStore,
} from '../../shared/domain/invitation-ports.ts';
import {
  eventHashOf,
  type JourneyEventInput,
  type JourneyRules,
  type StoredEvent,
} from '../../shared/domain/journey.ts';
import { CANCELLATION_TOUCHPOINT } from '../../shared/domain/metrics.ts';
import { isoWeekOf } from '../../shared/domain/time.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { logger } from '../../shared/observability.ts';
import { invitationShards } from '../../shared/repository/invitation-item.ts';
import { forEachDue } from '../pool.ts';

export { CANCELLATION_TOUCHPOINT } from '../../shared/domain/metrics.ts';

const CHURN_EVENT = 'subscription_cancelled';

export interface RecordDeps {
  config: Config;
  journeys: JourneyStore;
  clock: Clock;
  /** The link secret's current value: the answer carries the survey link. */
  linkSecret: () => Promise<string>;
  publicBaseUrl: string;
}

export interface InvitationAnswer {
  invitationId: string;
  status: Invitation['status'];
  sendAt?: string;
  closesAt: string;
  surveyUrl: string;
  qrSvgUrl: string;
  skipReason?: SkipReason;
}

export interface Recorded {
  eventId: string;
  status: 'recorded';
  replayed: boolean;
  invitation?: InvitationAnswer;
}

/** The config's event types and rules, as the event parser needs them. */
export function journeyRulesOf(config: Config): JourneyRules {
  return {
    eventTypes: config.invitations.eventTypes,
    emailingRules: (type) => config.invitations.rules.filter((r) => r.eventType === type && r.email),
  };
}

/** The calendar whose open hours a site's invitations go in, read in the customer's zone. */
export function contactHoursOf(config: Config, siteId: string, timeZone?: string): CalendarSpec {
  const calendarId = config.invitations.contactCalendars[siteId];
  const calendar = config.calendars.find((c) => c.id === calendarId) ?? (config.calendars[0] as CalendarSpec);
  return timeZone ? { ...calendar, timeZone } : calendar;
}

const localeOf = (locale: string | undefined, fallback: 'ja' | 'en'): 'ja' | 'en' => {
  const lang = locale?.slice(0, 2).toLowerCase();
  return lang === 'ja' || lang === 'en' ? lang : fallback;
};

/**
 * Stores a journey event once (same `eventId` and body: the same answer; another body: 409) with
 * the invitation its rule makes and, for a cancellation, the churn answer. The customer's first
 * event stamps when they were first seen, their cohort's start when no event names `since`.
 */
export async function recordJourneyEvent(input: JourneyEventInput, deps: RecordDeps): Promise<Recorded> {
  const now = deps.clock.now();
  const event: StoredEvent = { ...input, receivedAt: now.toISOString(), bodyHash: eventHashOf(input) };
  const contactKey = contactKeyOf(input.siteId, input.customer);
  const since = input.customer.since ?? (await deps.journeys.firstSeen(contactKey)) ?? event.receivedAt;
  const rule = deps.config.invitations.rules.find((r) => r.eventType === input.type);
  const invitation = rule ? newInvitation(input, rule, now, deps.config, since) : undefined;
  if (invitation) event.invitationId = invitation.invitationId;
  const churn = churnAnswer(event, since);
  const outcome = await deps.journeys.record(event, {
    contactKey,
    ...(invitation ? { invitation } : {}),
    log: invitation ? [startLogEntry(invitation, now)] : [],
    ...(churn ? { feedback: churn } : {}),
  });
  if (!outcome.created && outcome.existing.bodyHash !== event.bodyHash) {
    throw new IdempotencyConflict(input.eventId);
  }
  const stored = outcome.created ? event : outcome.existing;
  // A replay answers from the invitation it made then: same id, same schedule.
  const answered = invitation && stored.invitationId === invitation.invitationId ? invitation : undefined;
  return {
    eventId: input.eventId,
    status: 'recorded',
    replayed: !outcome.created,
    ...(answered ? { invitation: await invitationAnswer(answered, deps) } : {}),
  };
}

/** The contact log's first line of an invitation: skipped at once, or scheduled / issued. */
function startLogEntry(inv: Invitation, now: Date): ContactLogEntry {
  if (inv.status === 'skipped') return logEntry(inv, now, 'skipped', inv.skipReason);
  return logEntry(inv, now, inv.status === 'scheduled' ? 'scheduled' : 'issued');
}

function newInvitation(
  input: JourneyEventInput,
  rule: InvitationRule,
  now: Date,
  config: Config,
  since: string,
): Invitation {
  const site = config.sites.find((s) => s.id === input.siteId);
  const customer = input.customer;
  const hours = contactHoursOf(config, input.siteId, customer.timeZone);
  const schedule = scheduleOf(
    new Date(input.occurredAt),
    now,
    {
      delayMinutes: durationMinutes(rule.delay),
      reminderAfterDays: rule.reminderAfterDays,
      expiresAfterDays: rule.expiresAfterDays,
      emailed: rule.email,
    },
    hours,
  );
  const invitation: Invitation = {
    invitationId: invitationIdFor(input.siteId, input.eventId, rule.id),
    siteId: input.siteId,
    eventId: input.eventId,
    eventType: input.type,
    ruleId: rule.id,
    touchpoint: rule.touchpoint,
    survey: { type: rule.survey.type, reasons: rule.survey.reasons, comment: rule.survey.comment },
    customer: {
      ...(customer.email ? { email: customer.email } : {}),
      ...(customer.id ? { id: customer.id } : {}),
      ...(customer.name ? { name: customer.name } : {}),
      locale: localeOf(customer.locale, site?.defaultLocale ?? 'ja'),
      contactConsent: customer.contactConsent,
      since,
    },
    contactKey: contactKeyOf(input.siteId, customer),
    ...(input.data?.orderId ? { orderId: input.data.orderId } : {}),
    emailed: rule.email,
    createdAt: now.toISOString(),
    askWeek: isoWeekOf(new Date(schedule.sendAt ?? now), hours.timeZone),
    version: 1,
    ...schedule,
  };
  // No consent: nothing is ever emailed, and the answer says so at once.
  if (rule.email && !customer.contactConsent) {
    return { ...invitation, status: 'skipped', skipReason: 'no_consent' };
  }
  return invitation;
}

/**
 * A cancellation becomes a feedback on the `cancellation` touchpoint, counted by triage as churn
 * with its reasons (its cohort from `since`); one without reasons says nothing, so it counts as
 * churn but not as a response (shared/domain/metrics.ts `talliesOf`).
 */
function churnAnswer(event: StoredEvent, since: string): Feedback | undefined {
  if (event.type !== CHURN_EVENT) return undefined;
  const reasons = event.data?.reasons ?? [];
  const input: FeedbackInput = {
    siteId: event.siteId,
    touchpoint: CANCELLATION_TOUCHPOINT,
    channel: event.data?.channel ?? 'web',
    ...(reasons.length ? { reasons } : {}),
    customer: {
      ...(event.customer.email ? { email: event.customer.email } : {}),
      ...(event.customer.name ? { name: event.customer.name } : {}),
      ...(event.customer.locale ? { locale: event.customer.locale } : {}),
      contactConsent: event.customer.contactConsent && event.customer.email !== undefined,
      since,
    },
    context: { eventId: event.eventId, ...(event.data?.orderId ? { orderId: event.data.orderId } : {}) },
  };
  return {
    ...input,
    feedbackId: feedbackIdFor(event.siteId, `event:${event.eventId}`),
    receivedAt: event.receivedAt,
    bodyHash: bodyHashOf(input),
    keyKind: 'server',
  };
}

async function invitationAnswer(inv: Invitation, deps: Pick<RecordDeps, 'linkSecret' | 'publicBaseUrl'>) {
  const links = surveyLinksOf(deps.publicBaseUrl, surveyTokenOf(inv, await deps.linkSecret()));
  return {
    invitationId: inv.invitationId,
    status: inv.status,
    ...(inv.sendAt ? { sendAt: inv.sendAt } : {}),
    closesAt: inv.closesAt,
    ...links,
    ...(inv.skipReason ? { skipReason: inv.skipReason } : {}),
  };
}

const logEntry = (
  inv: Invitation,
  at: Date,
  what: ContactLogEntry['what'],
  reason?: SkipReason,
): ContactLogEntry => ({
  at: at.toISOString(),
  invitationId: inv.invitationId,
  what,
  touchpoint: inv.touchpoint,
  ...(reason ? { reason } : {}),
});

// ---------------------------------------------------------------------------------------------
// The minute sweep
// ---------------------------------------------------------------------------------------------

export interface SweepInvitationDeps {
  config: Config;
  invitations: InvitationStore;
  customers: CustomerFactsReader;
  /** Invitations in flight at once (default 48). */
  concurrency?: number;
  /** True stops starting new ones (they stay due; the next run takes them). */
  shouldStop?: () => boolean;
}

export interface InvitationSweepResult {
  due: number;
  sent: number;
  reminded: number;
  expired: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Another writer moved the invitation first (an answer, a second sweep): nothing done. */
  lost: number;
  deferred: number;
  errors: number;
}

/** One run: every invitation step due by `now`, each once. */
export async function sweepInvitations(now: Date, deps: SweepInvitationDeps): Promise<InvitationSweepResult> {
  const result: InvitationSweepResult = {
    due: 0,
    sent: 0,
    reminded: 0,
    expired: 0,
    skipped: {},
    lost: 0,
    deferred: 0,
    errors: 0,
  };
  await forEachDue(
    invitationShards,
    (shard, onIds) => deps.invitations.due(shard, now.toISOString(), onIds),
    (id) => stepWithRetries(id, now, deps, result),
    result,
    {
      concurrency: deps.concurrency ?? 48,
      ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
      failed: (invitationId, error) =>
        logger.error('invitation step failed', { invitationId, error: error as Error }),
    },
  );
  return result;
}

/** Tries of a step whose write met another (two invitations of one customer share its state). */
const MAX_ATTEMPTS = 3;

async function stepWithRetries(
  invitationId: string,
  now: Date,
  deps: SweepInvitationDeps,
  result: InvitationSweepResult,
): Promise<void> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if ((await stepInvitation(invitationId, now, deps, result)) !== 'lost') return;
  }
  result.lost += 1;
}

/** One step of one invitation; `lost` when another writer moved it or its customer first. */
async function stepInvitation(
  invitationId: string,
  now: Date,
  deps: SweepInvitationDeps,
  result: InvitationSweepResult,
): Promise<'done' | 'lost'> {
  const inv = await deps.invitations.get(invitationId);
  if (!inv) return 'done';
  const nowIso = now.toISOString();
  const next = { ...inv, version: inv.version + 1 };
  if (inv.status === 'scheduled' && (inv.sendAt ?? '') <= nowIso) {
    const state = await deps.invitations.contactState(inv.contactKey);
    const reason = await skipReasonOf(inv, state, now, deps);
    if (reason) {
      const skipped: Invitation = { ...next, status: 'skipped', skipReason: reason };
      const done = await deps.invitations.apply({
        invitation: skipped,
        expectedVersion: inv.version,
        log: [logEntry(inv, now, 'skipped', reason)],
      });
      if (!done) return 'lost';
      result.skipped[reason] = (result.skipped[reason] ?? 0) + 1;
      return 'done';
    }
    const sent: Invitation = { ...next, status: 'sent', sentAt: nowIso };
    const contact: ContactState = {
      ...state,
      sentAt: [...recentSends(state, now), nowIso],
      version: state.version + 1,
    };
    const done = await deps.invitations.apply({
      invitation: sent,
      expectedVersion: inv.version,
      contact: { contactKey: inv.contactKey, state: contact, expectedVersion: state.version },
      log: [logEntry(inv, now, 'invited')],
      notice: invitationNotice(inv, 'invite', now, deps.config),
      counters: askTallies(inv, 'invited'),
    });
    if (!done) return 'lost';
    result.sent += 1;
    return 'done';
  }
  if (
    inv.status === 'sent' &&
    inv.remindAt &&
    !inv.remindedAt &&
    inv.remindAt <= nowIso &&
    nowIso < inv.closesAt
  ) {
    const suppressed = inv.customer.email ? await deps.customers.suppressed(inv.customer.email) : true;
    const reminded: Invitation = { ...next, remindedAt: nowIso };
    const done = await deps.invitations.apply({
      invitation: reminded,
      expectedVersion: inv.version,
      log: [logEntry(inv, now, suppressed ? 'skipped' : 'reminded', suppressed ? 'suppressed' : undefined)],
      ...(suppressed ? {} : { notice: invitationNotice(inv, 'remind', now, deps.config) }),
    });
    if (!done) return 'lost';
    if (!suppressed) result.reminded += 1;
    return 'done';
  }
  if ((inv.status === 'sent' || inv.status === 'issued') && inv.closesAt <= nowIso) {
    const state = inv.status === 'sent' ? await deps.invitations.contactState(inv.contactKey) : undefined;
    const done = await deps.invitations.apply({
      invitation: { ...next, status: 'expired' },
      expectedVersion: inv.version,
      // Only an emailed survey left unanswered is "ignored" for the contact limits.
      ...(state
        ? {
            contact: {
              contactKey: inv.contactKey,
              state: { ...state, lastIgnoredAt: nowIso, version: state.version + 1 },
              expectedVersion: state.version,
            },
          }
        : {}),
      log: [logEntry(inv, now, 'expired')],
    });
    if (!done) return 'lost';
    result.expired += 1;
  }
  return 'done';
}

async function skipReasonOf(
  inv: Invitation,
  state: ContactState,
  now: Date,
  deps: SweepInvitationDeps,
): Promise<SkipReason | undefined> {
  const email = inv.customer.email;
  if (!email) return 'no_consent';
  const [suppressed, caseOpen] = await Promise.all([
    deps.customers.suppressed(email),
    deps.customers.caseOpen(email),
  ]);
  return contactLimitReason(
    state,
    { consent: inv.customer.contactConsent, suppressed, caseOpen },
    deps.config.invitations.limits,
    now,
  );
}

/** The invitation email (or its one reminder): the page link is signed by notify. */
export function invitationNotice(
  inv: Invitation,
  step: 'invite' | 'remind',
  now: Date,
  config: Config,
): NoticeRequested {
  const site = config.sites.find((s) => s.id === inv.siteId);
  return {
    type: 'notice.requested',
    version: 1,
    noticeId: `${inv.invitationId}:customer_survey_invitation:${step}`,
    kind: 'customer_survey_invitation',
    audience: 'customer',
    step,
    to: [
      {
        email: inv.customer.email as string,
        ...(inv.customer.name ? { name: inv.customer.name } : {}),
        locale: inv.customer.locale,
      },
    ],
    data: {
      siteId: inv.siteId,
      siteName: site?.name,
      invitationId: inv.invitationId,
      touchpoint: inv.touchpoint,
      surveyType: inv.survey.type,
      closesAt: inv.closesAt,
      reminder: step === 'remind',
      contactConsent: true,
      // The shop's backend gave this address with its server key (docs/threat-model.md).
      vouchedBy: 'server_key',
    },
    requestedAt: now.toISOString(),
  };
}
