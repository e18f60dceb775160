/**
 * What each notice kind expects in `data` (the producers' side of the contract, checked again when
 * the email is rendered). Lenient: extra fields are ignored, most are optional; a missing required
 * one makes the message poison (→ DLQ).
 */
import * as z from 'zod/mini';
import '../zod-locale.ts';
import type { NoticeKind } from '../events/notice-requested.ts';

export const text = z.string().check(z.maxLength(20_000));
export const label = z.string().check(z.maxLength(500));
export const count = z.number().check(z.int(), z.nonnegative());
export const share = z.nullable(z.number().check(z.gte(0), z.lte(1)));
export const nps = () => z.nullable(z.number().check(z.gte(-100), z.lte(100)));
export const optionalLabel = () => z.optional(label);

export const caseFacts = z.object({
  caseId: optionalLabel(),
  /** The short reference (`CL-7K3M9`); notices of cases opened before references name the id. */
  caseRef: optionalLabel(),
  siteId: optionalLabel(),
  siteName: optionalLabel(),
  category: optionalLabel(),
  severity: optionalLabel(),
  touchpoint: optionalLabel(),
  channel: optionalLabel(),
  teamId: optionalLabel(),
  teamName: optionalLabel(),
  assigneeId: optionalLabel(),
  assigneeName: optionalLabel(),
  acknowledgeBy: optionalLabel(),
  resolveBy: optionalLabel(),
  receivedAt: optionalLabel(),
  /** IANA zone for dates; else the caller's default (the team's calendar). */
  timeZone: optionalLabel(),
});

/**
 * Warnings and escalations, as the SLA engine (functions/sla) sends them: `clock` says which
 * deadline, `deadline` is its instant (else the case's acknowledgeBy / resolveBy is shown).
 */
export const slaFacts = z.extend(caseFacts, {
  clock: z.enum(['acknowledge', 'resolve']),
  deadline: optionalLabel(),
  /** The case's status when the step fired (decides whether an acknowledge link makes sense). */
  status: optionalLabel(),
});

export const nonEmptyText = () => text.check(z.minLength(1));

/** A flood digest (shared/domain/staff-bursts.ts): case facts only, never customer text. */
const batchSchema = z.optional(
  z.object({
    from: label,
    to: label,
    total: count,
    cases: z
      .array(
        z.object({
          caseId: label,
          caseRef: optionalLabel(),
          category: optionalLabel(),
          touchpoint: optionalLabel(),
          severity: optionalLabel(),
          deadline: optionalLabel(),
        }),
      )
      .check(z.maxLength(200)),
  }),
);

export const noticeDataSchemas = {
  /** Double opt-in: fixed text only (nothing the submitter wrote), the site's name from config. */
  customer_confirm: z.object({ siteId: label, siteName: optionalLabel() }),
  customer_received: caseFacts,
  customer_progress: z.extend(caseFacts, { message: nonEmptyText() }),
  customer_resolved: z.extend(caseFacts, { message: nonEmptyText() }),
  customer_follow_up: z.extend(caseFacts, {
    /** good / bad buttons, or 1–5 stars. */
    scale: z._default(z.enum(['good_bad', 'one_to_five']), 'good_bad'),
  }),
  customer_problem_resolved: z.extend(caseFacts, { message: nonEmptyText(), problemTitle: optionalLabel() }),
  /** A survey invitation (core/invitations): fixed text and the page link, nothing anyone typed. */
  customer_survey_invitation: z.object({
    siteId: label,
    siteName: optionalLabel(),
    invitationId: label,
    touchpoint: label,
    surveyType: z.enum(['nps', 'csat', 'ces']),
    closesAt: label,
    reminder: z._default(z.boolean(), false),
  }),
  staff_new_critical: z.extend(caseFacts, {
    comment: z.optional(text),
    reasons: z.optional(z.array(label).check(z.maxLength(20))),
    rating: z.optional(z.object({ type: label, score: z.number() })),
    customerName: optionalLabel(),
    batch: batchSchema,
  }),
  staff_pre_breach: slaFacts,
  staff_escalation: z.extend(slaFacts, {
    /** The rung this email is: who it goes to. */
    level: z.enum(['lead', 'manager', 'executive']),
    /** 1 for the first rung (lead), … (the case's escalationLevel once this rung fired). */
    escalationLevel: z.optional(z.number().check(z.int(), z.positive())),
    batch: batchSchema,
  }),
  staff_weekly_digest: z.object({
    teamId: optionalLabel(),
    teamName: label,
    /** `yyyy-Www`. */
    week: label,
    from: optionalLabel(),
    to: optionalLabel(),
    timeZone: optionalLabel(),
    counts: z.object({ new: count, open: count, overdue: count }),
    /** The team's own responses that week (its team counters), when known. */
    team: z.optional(z.object({ responses: count, nps: nps(), csat: share })),
    /**
     * Whose responses `byTouchpoint` and `topReasons` count: the team's only, or every team's (the
     * touchpoint and reason counters are not kept per team, so a digest says so in the captions).
     */
    scope: z._default(z.enum(['team', 'all_teams']), 'team'),
    byTouchpoint: z._default(
      z
        .array(z.object({ touchpoint: label, responses: count, nps: nps(), csat: share }))
        .check(z.maxLength(50)),
      [],
    ),
    /**
     * Survey invitations and widget prompts per touchpoint (every team's, as `byTouchpoint`): only
     * touchpoints that asked anyone. Absent from digests queued before these figures existed, which
     * then leave the section out rather than claim nothing was asked.
     */
    asks: z.optional(
      z
        .array(
          z.object({
            touchpoint: label,
            invited: count,
            opened: count,
            answered: count,
            responseRate: share,
            prompted: count,
            promptResponseRate: share,
          }),
        )
        .check(z.maxLength(50)),
    ),
    attainment: z._default(
      z.array(
        z.object({
          metric: z.enum([
            'acknowledgedWithin2h',
            'acknowledgedWithin6h',
            'closedWithin48h',
            'loopClosedWithin72h',
          ]),
          actual: share,
          target: z.number().check(z.gte(0), z.lte(1)),
        }),
      ),
      [],
    ),
    topReasons: z._default(z.array(z.object({ reason: label, count })).check(z.maxLength(20)), []),
  }),
  /** A resolved problem's before/after check (core/problems/impact.ts). */
  staff_problem_verification: z.object({
    problemId: label,
    title: label,
    resolvedAt: label,
    verdict: z.enum(['improved', 'no_change', 'worse', 'too_early']),
    touchpoints: z.array(label).check(z.maxLength(50)),
    before: z.object({
      from: label,
      to: label,
      n: count,
      negativeShare: share,
      nps: nps(),
    }),
    after: z.object({
      from: label,
      to: label,
      n: count,
      negativeShare: share,
      nps: nps(),
    }),
    change: z.nullable(z.number()),
    pValue: z.nullable(z.number()),
    reopened: z._default(z.boolean(), false),
    timeZone: optionalLabel(),
  }),
} satisfies Record<NoticeKind, z.ZodMiniType>;

export type NoticeData<K extends NoticeKind> = z.output<(typeof noticeDataSchemas)[K]>;

/** The producer sent data this kind cannot be rendered from. */
export class NoticeDataInvalid extends Error {
  override readonly name = 'NoticeDataInvalid';
}

export function parseNoticeData<K extends NoticeKind>(kind: K, data: unknown): NoticeData<K> {
  const parsed = noticeDataSchemas[kind].safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
    throw new NoticeDataInvalid(`data of ${kind}: ${issues.join('; ')}`);
  }
  return parsed.data as NoticeData<K>;
}

/** The answers a follow-up offers, per rating scale; each becomes a signed link. */
export const ratingValues = { good_bad: ['good', 'bad'], one_to_five: ['1', '2', '3', '4', '5'] } as const;
