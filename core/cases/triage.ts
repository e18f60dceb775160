import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import type { Config, Locale } from '../../shared/config/schema.ts';
import { type Assignment, chooseAssignee } from '../../shared/domain/assignment.ts';
import { addBusinessMinutes } from '../../shared/domain/calendar.ts';
import {
  type Case,
  caseFacts,
  caseIdFor,
  customerNoticeFacts,
  type TimelineEvent,
} from '../../shared/domain/case.ts';
import { caseRefFrom, caseRefLengthAfter } from '../../shared/domain/case-ref.ts';
import { caseSummaryOf } from '../../shared/domain/case-summary.ts';
import {
  type Classification,
  classify,
  effectiveSentiment,
  opensCase,
  type Sentiment,
} from '../../shared/domain/classify.ts';
import { cohortOf } from '../../shared/domain/cohort.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { isChurn, metricTargetsOf, talliesOf } from '../../shared/domain/metrics.ts';
import { caseNotice, noticeEntry, type OutboxEntry } from '../../shared/domain/outbox.ts';
import { isoWeekOf } from '../../shared/domain/time.ts';
import {
  type AssignmentStateReader,
  CaseRefTaken,
  FeedbackNotFound,
  type FeedbackReader,
  type TriageMarker,
  type TriageStore,
  type TriageWrite,
  WriteConflict,
} from '../../shared/domain/triage-ports.ts';
import { anyEndpointWants } from '../../shared/domain/webhooks.ts';
import { type CaseOpened, caseOpened } from '../../shared/events/case-opened.ts';
import { type FeedbackReceived, feedbackReceived } from '../../shared/events/feedback-received.ts';
import { noticeLocales } from '../../shared/notices/locale.ts';
import { timerFieldsFor } from '../../shared/repository/case-timer.ts';

export interface TriageDeps {
  feedback: FeedbackReader;
  assignments: AssignmentStateReader;
  store: TriageStore;
  clock: Clock;
  config: Config;
  /**
   * Tries per feedback when the write loses a race (another triage moved the team's cursor, or
   * held one of the items in its own transaction) before the message is left to SQS (default 5).
   */
  maxAttempts?: number;
  /** Waits before try `attempt + 1` (default: a short random pause growing with `attempt`). */
  backoff?: (attempt: number) => Promise<void>;
  /** The bits of the case reference (default node:crypto's randomBytes). */
  randomBytes?: (n: number) => Uint8Array;
}

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.round(Math.random() * 20 * attempt)));

export type TriageOutcome =
  | {
      outcome: 'case_opened';
      feedbackId: string;
      caseId: string;
      teamId: string;
      assigneeId: string;
      severity: Case['severity'];
      attempts: number;
    }
  /** Counted in the metrics, no case (the case policy did not ask for one). */
  | { outcome: 'counted'; feedbackId: string; teamId: string }
  /** Triaged before (a redelivered message): nothing written. */
  | { outcome: 'duplicate'; feedbackId: string };

export const TRIAGE_ACTOR = 'system:triage';
export const TRIAGE_VIA = 'triage';

/**
 * Triage of one stored feedback (docs/design.md#triage): classify, count it in the weekly metrics,
 * and, when the case policy says so, open a case routed to a team and assigned to a member, with
 * deadlines on the team's business calendar, its first timeline events, `case.opened` on the bus
 * and the notices — all in one transaction. The same feedback triaged twice writes once.
 */
export async function triageFeedback(feedbackId: string, deps: TriageDeps): Promise<TriageOutcome> {
  const fb = await deps.feedback.get(feedbackId);
  if (fb === undefined) throw new FeedbackNotFound(feedbackId);
  const { config } = deps;
  const now = deps.clock.now();
  const cls = classify(fb, config);
  const sentiment = effectiveSentiment(cls);
  const open = opensCase(fb, sentiment, cls.severity, config.casePolicy);
  const team = teamOf(config, cls.teamId);
  const calendar = calendarOf(config, team.calendarId);
  const receivedAt = new Date(fb.receivedAt);
  // Counted in the week the customer wrote, on the routed team's calendar (every feedback is
  // routed, with or without a case), so a late or repeated delivery never moves it to another week.
  const week = isoWeekOf(receivedAt, calendar.timeZone);
  const cohort = cohortOf(fb.customer?.since, receivedAt, calendar.timeZone, config.insights.cohorts);
  const counters = metricTargetsOf({ ...fb, teamId: team.id, cohort }).map((t) => ({
    ...t,
    week,
    tallies: talliesOf({
      churn: isChurn(fb),
      says: fb.rating !== undefined || Boolean(fb.comment?.trim()) || Boolean(fb.reasons?.length),
      rating: fb.rating,
      npsBucket: cls.npsBucket,
      sentiment,
      opensCase: open,
      fromPrompt: fb.keyKind !== 'server' && fb.channel !== 'qr',
    }),
  }));
  const marker: TriageMarker = {
    feedbackId,
    receivedAt: fb.receivedAt,
    triagedAt: now.toISOString(),
    sentiment,
    category: cls.category,
    severity: cls.severity,
    teamId: team.id,
    routedBy: cls.routedBy,
    week,
  };

  const maxAttempts = deps.maxAttempts ?? 5;
  const backoff = deps.backoff ?? defaultBackoff;
  /** References found taken so far: each one makes the next draw a symbol longer. */
  let refsTaken = 0;
  /** Commits what `build` makes from fresh reads, again after a lost race. */
  const commitWithRetry = async <T>(build: () => Promise<{ write: TriageWrite; result: T }>) => {
    for (let attempt = 1; ; attempt++) {
      const { write, result } = await build();
      try {
        return (await deps.store.commit(write)) === 'duplicate' ? undefined : { result, attempts: attempt };
      } catch (error) {
        // Lost a race (the team's cursor moved, or a concurrent transaction held an item): re-read
        // and try again a few times; after that the message fails and SQS retries it.
        if (!(error instanceof WriteConflict) || attempt >= maxAttempts) throw error;
        if (error instanceof CaseRefTaken) refsTaken++;
        // A taken reference is no race: nobody to wait for, the next draw is simply new bits.
        else await backoff(attempt);
      }
    }
  };

  if (!open) {
    const done = await commitWithRetry(async () => ({
      write: { at: now, marker, counters, outbox: feedbackEventOf(fb, config) },
      result: undefined,
    }));
    return done === undefined
      ? { outcome: 'duplicate', feedbackId }
      : { outcome: 'counted', feedbackId, teamId: team.id };
  }

  const caseId = caseIdFor(feedbackId);
  const policy = config.sla.policies[cls.severity];
  const acknowledgeBy = addBusinessMinutes(receivedAt, policy.acknowledgeMinutes, calendar).toISOString();
  const resolveBy = addBusinessMinutes(receivedAt, policy.resolveMinutes, calendar).toISOString();
  const done = await commitWithRetry(async () => {
    const assignment = chooseAssignee(team, await deps.assignments.read(team.id));
    const theCase = newCase({
      ref: caseRefFrom(deps.randomBytes ?? randomBytes, caseRefLengthAfter(refsTaken)),
      fb,
      cls,
      sentiment,
      caseId,
      teamId: team.id,
      assignment,
      acknowledgeBy,
      resolveBy,
      now,
      config,
    });
    const events = timelineOf(theCase, fb, cls, assignment, now, cohort);
    // The case enters the SLA timers index at once, due at its first step (the pre-breach warning).
    const timer = timerFieldsFor(theCase, events, config);
    const write: TriageWrite = {
      at: now,
      marker: { ...marker, caseId },
      opened: {
        case: theCase,
        events,
        assignment: {
          teamId: team.id,
          memberId: assignment.assigneeId,
          ...(assignment.cursor ? { cursor: assignment.cursor } : {}),
        },
        ...(timer ? { timer } : {}),
      },
      counters,
      outbox: [...feedbackEventOf(fb, config), ...outboxOf(theCase, fb, config, now)],
    };
    return { write, result: assignment.assigneeId };
  });
  if (done === undefined) return { outcome: 'duplicate', feedbackId };
  return {
    outcome: 'case_opened',
    feedbackId,
    caseId,
    teamId: team.id,
    assigneeId: done.result,
    severity: cls.severity,
    attempts: done.attempts,
  };
}

function teamOf(config: Config, teamId: string) {
  const team = config.teams.find((t) => t.id === teamId);
  if (team === undefined) throw new Error(`routing chose unknown team ${teamId}`);
  return team;
}

function calendarOf(config: Config, calendarId: string) {
  const calendar = config.calendars.find((c) => c.id === calendarId);
  if (calendar === undefined) throw new Error(`unknown calendar ${calendarId}`);
  return calendar;
}

/** The customer's language if we write in it (`en-US` → `en`), else the site's default. */
export function customerLocaleOf(fb: Feedback, config: Config): Locale {
  const primary = fb.customer?.locale?.split('-')[0]?.toLowerCase();
  if ((noticeLocales as readonly string[]).includes(primary ?? '')) return primary as Locale;
  return config.sites.find((s) => s.id === fb.siteId)?.defaultLocale ?? 'ja';
}

function newCase(a: {
  ref: string;
  fb: Feedback;
  cls: Classification;
  sentiment: Sentiment;
  caseId: string;
  teamId: string;
  assignment: Assignment;
  acknowledgeBy: string;
  resolveBy: string;
  now: Date;
  config: Config;
}): Case {
  const at = a.now.toISOString();
  return {
    caseId: a.caseId,
    ref: a.ref,
    feedbackId: a.fb.feedbackId,
    status: 'open',
    severity: a.cls.severity,
    sentiment: a.sentiment,
    category: a.cls.category,
    touchpoint: a.fb.touchpoint,
    channel: a.fb.channel,
    teamId: a.teamId,
    assigneeId: a.assignment.assigneeId,
    routedBy: a.cls.routedBy,
    acknowledgeBy: a.acknowledgeBy,
    resolveBy: a.resolveBy,
    escalationLevel: 0,
    version: 1,
    createdAt: at,
    updatedAt: at,
    siteId: a.fb.siteId,
    customerLocale: customerLocaleOf(a.fb, a.config),
    contactConsent: a.fb.customer?.contactConsent === true && a.fb.customer.email !== undefined,
    contactVouched: a.fb.keyKind === 'server',
    summary: caseSummaryOf(a.fb),
  };
}

function timelineOf(
  c: Case,
  fb: Feedback,
  cls: Classification,
  assignment: Assignment,
  now: Date,
  cohort: string,
): TimelineEvent[] {
  const at = now.toISOString();
  const base = { at, actor: TRIAGE_ACTOR, via: TRIAGE_VIA };
  return [
    {
      ...base,
      type: 'opened',
      data: {
        feedbackId: fb.feedbackId,
        receivedAt: fb.receivedAt,
        siteId: fb.siteId,
        touchpoint: fb.touchpoint,
        channel: fb.channel,
        ...(fb.rating ? { rating: fb.rating } : {}),
        reasons: fb.reasons ?? [],
        // The case's later counters (acknowledged, resolved) land on the same cohort item.
        cohort,
        category: c.category,
        severity: c.severity,
        severityRule: cls.severityRule ?? null,
        sentiment: c.sentiment,
        acknowledgeBy: c.acknowledgeBy,
        resolveBy: c.resolveBy,
      },
    },
    {
      ...base,
      type: 'assigned',
      data: {
        teamId: c.teamId,
        assigneeId: c.assigneeId,
        routedBy: c.routedBy,
        rule: assignment.rule,
        category: c.category,
        severity: c.severity,
      },
    },
  ];
}

/**
 * `feedback.received` on the bus, in the marker's transaction (so once per feedback), only when a
 * webhook asks for it: a deployment without one pays no outbox write per feedback.
 */
function feedbackEventOf(fb: Feedback, config: Config): OutboxEntry[] {
  if (!anyEndpointWants(config, 'feedback.received')) return [];
  const event: FeedbackReceived = {
    type: 'feedback.received',
    version: 1,
    feedbackId: fb.feedbackId,
    siteId: fb.siteId,
    receivedAt: fb.receivedAt,
  };
  return [{ id: `event:${feedbackReceived.name}:${fb.feedbackId}`, target: 'bus', message: event }];
}

function outboxOf(c: Case, fb: Feedback, config: Config, now: Date): OutboxEntry[] {
  const requestedAt = now.toISOString();
  const team = teamOf(config, c.teamId);
  const assignee = team.members.find((m) => m.id === c.assigneeId);
  const event: CaseOpened = {
    type: 'case.opened',
    version: 1,
    ...caseFacts(c),
    teamId: c.teamId,
    assigneeId: c.assigneeId,
    routedBy: c.routedBy,
    acknowledgeBy: c.acknowledgeBy,
    resolveBy: c.resolveBy,
    openedAt: c.createdAt,
  };
  const out: OutboxEntry[] = [{ id: `event:${caseOpened.name}:${c.caseId}`, target: 'bus', message: event }];

  if (c.severity === 'critical' && assignee !== undefined) {
    const notice = caseNotice({
      kind: 'staff_new_critical',
      audience: 'staff',
      caseId: c.caseId,
      step: 'opened',
      to: [
        { email: assignee.email, name: assignee.name, locale: assignee.locale, memberId: assignee.id },
        { email: team.inboxEmail, name: team.name },
      ],
      data: {
        ...caseFacts(c),
        teamId: team.id,
        teamName: team.name,
        assigneeId: assignee.id,
        assigneeName: assignee.name,
        routedBy: c.routedBy,
        acknowledgeBy: c.acknowledgeBy,
        resolveBy: c.resolveBy,
        receivedAt: fb.receivedAt,
        ...(fb.rating ? { rating: fb.rating } : {}),
        ...(fb.comment ? { comment: fb.comment } : {}),
        reasons: fb.reasons ?? [],
      },
      requestedAt,
    });
    out.push(noticeEntry(notice));
  }

  // Invariant 8: no customer email without consent (and an address to write to).
  const email = fb.customer?.email;
  if (fb.customer?.contactConsent === true && email !== undefined) {
    const site = config.sites.find((s) => s.id === c.siteId);
    const notice = caseNotice({
      kind: 'customer_received',
      audience: 'customer',
      caseId: c.caseId,
      step: 'received',
      to: [{ email, ...(fb.customer.name ? { name: fb.customer.name } : {}), locale: c.customerLocale }],
      data: {
        ...customerNoticeFacts(c, site?.name),
        receivedAt: fb.receivedAt,
      },
      requestedAt,
    });
    out.push(noticeEntry(notice));
  }
  return out;
}
