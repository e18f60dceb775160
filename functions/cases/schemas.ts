/**
 * The staff contract (docs/api.md, docs/design.md#the-case) as zod schemas: request bodies and
 * query strings are validated with them (functions/cases/handler.ts), and the OpenAPI document is
 * generated from them (functions/cases/openapi.ts), so the two cannot drift.
 */
import * as z from 'zod/mini';
import '../../shared/zod-locale.ts';
import { rangeIssues, validDate, validWeek } from '../../core/insights/metrics.ts';
import { trendMetrics, trendQueryIssues } from '../../core/insights/trends.ts';
import { caseStatuses, timelineEventTypes } from '../../shared/domain/case.ts';
import { caseActions } from '../../shared/domain/case-commands.ts';
import { caseRefInputPattern, normalizeCaseRef } from '../../shared/domain/case-ref.ts';
import { feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { metricDimensions, trendGroups } from '../../shared/domain/metrics.ts';
import {
  impactVerdicts,
  MAX_PUBLIC_MESSAGE,
  MAX_PUBLIC_TITLE,
  problemStatuses,
} from '../../shared/domain/problem.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const text = (max: number) =>
  z.string().check(
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((s) => s.trim().length > 0, 'must not be blank'),
  );
const optionalText = (max: number) =>
  z.optional(z.string().check(z.maxLength(max, `must be at most ${max} characters`)));

/** Case ids are `case_<feedback id suffix>`; problem ids `prb_<uuid>`. */
export const caseIdSchema = z
  .string()
  .check(z.regex(/^case_[A-Za-z0-9_-]{1,100}$/, 'must be a case id (case_…)'), z.describe('Case id'));
export const problemIdSchema = z
  .string()
  .check(z.regex(/^prb_[A-Za-z0-9_-]{1,100}$/, 'must be a problem id (prb_…)'), z.describe('Problem id'));
export const siteIdParam = z
  .string()
  .check(
    z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a site id'),
    z.describe('Site id (config `sites[].id`)'),
  );
export const touchpointParam = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a touchpoint (a lower-case slug)'),
    z.describe('Touchpoint, as feedback names it'),
  );
const idSlug = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be an id (lower-case slug)'));

// ---------------------------------------------------------------------------------------------
// Case action bodies: POST /v1/cases/{id}/<action>, with If-Match: <version>
// ---------------------------------------------------------------------------------------------

export const acknowledgeBody = z
  .strictObject({ note: optionalText(2000).check(z.describe('Optional note recorded on the event')) })
  .check(z.describe('POST /v1/cases/{id}/acknowledge'));
export const assignBody = z
  .strictObject({ assigneeId: idSlug.check(z.describe("A member of the case's team")) })
  .check(z.describe('POST /v1/cases/{id}/assign'));
export const notesBody = z
  .strictObject({ text: text(4000).check(z.describe('Internal note (never sent to the customer)')) })
  .check(z.describe('POST /v1/cases/{id}/notes'));
export const updatesBody = z
  .strictObject({
    message: text(4000).check(
      z.describe(
        'Progress update for the customer: emailed (customer_progress) when they gave contact consent',
      ),
    ),
  })
  .check(z.describe('POST /v1/cases/{id}/updates'));
export const pauseBody = z
  .strictObject({ reason: optionalText(500).check(z.describe('What the team waits for from the customer')) })
  .check(z.describe('POST /v1/cases/{id}/pause: waiting on the customer; the resolve clock stops'));
export const resumeBody = z.strictObject({}).check(z.describe('POST /v1/cases/{id}/resume'));
export const resolutionActionsSchema = z
  .strictObject({
    internal: z
      .array(text(500))
      .check(z.maxLength(20, 'at most 20 actions'), z.describe('Internal follow-up actions')),
    external: z
      .array(text(500))
      .check(z.maxLength(20, 'at most 20 actions'), z.describe('Actions visible outside the team')),
  })
  .check(z.describe('Actions taken or planned'));
export const resolveBody = z
  .strictObject({
    customerMessage: text(4000).check(
      z.describe('Told to the customer (customer_resolved), with contact consent'),
    ),
    rootCause: text(4000).check(z.describe('Internal root cause')),
    actions: resolutionActionsSchema,
  })
  .check(z.describe('POST /v1/cases/{id}/resolve'));
export const reopenBody = z
  .strictObject({ reason: optionalText(500) })
  .check(z.describe('POST /v1/cases/{id}/reopen'));
export const closeBody = z
  .strictObject({ reason: optionalText(500) })
  .check(z.describe('POST /v1/cases/{id}/close'));

export const actionBodies = {
  acknowledge: acknowledgeBody,
  assign: assignBody,
  notes: notesBody,
  updates: updatesBody,
  pause: pauseBody,
  resume: resumeBody,
  resolve: resolveBody,
  reopen: reopenBody,
  close: closeBody,
} as const satisfies Record<(typeof caseActions)[number], z.ZodMiniType>;

/** The two query parameters of every paginated listing. */
const pageCursor = z
  .optional(z.string().check(z.maxLength(2000)))
  .check(z.describe('From the previous page'));
const pageSize = z
  .pipe(
    z.string().check(z.regex(/^[1-9]\d{0,2}$/, 'must be a whole number from 1 to 100')),
    z.transform(Number),
  )
  .check(z.refine((n) => n <= 100, 'must be a whole number from 1 to 100'));

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/** A problem's public face on the known-issues page (docs/known-issues.md). */
const publicFieldShapes = {
  public: z.boolean().check(z.describe('Shown on the known-issues page of each of publicSiteIds')),
  publicTitle: text(MAX_PUBLIC_TITLE).check(
    z.describe('What the page calls it (never the internal title); required when public is true'),
  ),
  publicMessage: text(MAX_PUBLIC_MESSAGE).check(
    z.describe('What the page says about it; required when public is true'),
  ),
  publicSiteIds: z.array(siteIdParam).check(
    z.maxLength(50, 'at most 50 sites'),
    z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a site'),
    z.describe('The sites whose known-issues page lists it; at least one when public is true'),
  ),
};

export const createProblemBody = z
  .strictObject({
    title: text(200).check(z.describe('Short name, e.g. "Payment provider outage"')),
    description: text(4000).check(
      z.describe('Internal: what is wrong; becomes the root cause of resolved cases'),
    ),
    customerMessage: z
      .optional(text(4000))
      .check(z.describe('What every linked customer is told when the problem is resolved')),
    public: z.optional(publicFieldShapes.public),
    publicTitle: z.optional(publicFieldShapes.publicTitle),
    publicMessage: z.optional(publicFieldShapes.publicMessage),
    publicSiteIds: z.optional(publicFieldShapes.publicSiteIds),
  })
  .check(z.describe('POST /v1/problems'));
export const patchProblemBody = z
  .strictObject({
    public: z.optional(publicFieldShapes.public),
    publicTitle: z.optional(z.nullable(publicFieldShapes.publicTitle)),
    publicMessage: z.optional(z.nullable(publicFieldShapes.publicMessage)),
    publicSiteIds: z.optional(publicFieldShapes.publicSiteIds),
  })
  .check(
    z.refine(
      (b) => Object.keys(b).length > 0,
      'name at least one of public, publicTitle, publicMessage, publicSiteIds',
    ),
    z.describe('PATCH /v1/problems/{id}: each field given replaces the stored one; null clears a text'),
  );
export const linkCasesBody = z
  .strictObject({
    caseIds: z.array(caseIdSchema).check(
      z.minLength(1, 'name at least one case'),
      z.maxLength(100, 'at most 100 cases per request'),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a case'),
    ),
  })
  .check(z.describe('POST /v1/problems/{id}/cases'));
export const resolveProblemBody = z
  .strictObject({
    customerMessage: z
      .optional(text(4000))
      .check(z.describe("Told to every linked customer; defaults to the problem's customerMessage")),
    actions: z.optional(resolutionActionsSchema),
  })
  .check(z.describe('POST /v1/problems/{id}/resolve'));
export const listProblemsQuery = z
  .strictObject({
    status: z
      .optional(z.enum(problemStatuses, { error: `must be one of ${problemStatuses.join(', ')}` }))
      .check(z.describe('Only problems in this status; default: open ones first, then resolved')),
    cursor: pageCursor,
    limit: z.optional(pageSize).check(z.describe('Page size, 1–100 (default 20)')),
  })
  .check(z.describe('GET /v1/problems query'));
export const reopenProblemBody = z
  .strictObject({ reason: optionalText(500) })
  .check(z.describe('POST /v1/problems/{id}/reopen'));

// ---------------------------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------------------------

const statusList = z.pipe(
  z.pipe(
    z.string(),
    z.transform((s: string) => s.split(',').map((x) => x.trim())),
  ),
  z
    .array(z.enum(caseStatuses, { error: `each status must be one of ${caseStatuses.join(', ')}` }))
    .check(z.maxLength(6)),
);

/** The short reference customers quote (`CL-7K3M9`), in either case. */
export const caseRefSchema = z.pipe(
  z
    .string()
    .check(
      z.regex(
        caseRefInputPattern,
        'must be a case reference: CL- and 5 to 8 letters or digits, like CL-7K3M9',
      ),
    ),
  z.transform(normalizeCaseRef),
);

export const listCasesQuery = z
  .strictObject({
    ref: z
      .optional(caseRefSchema)
      .check(
        z.describe(
          'A case reference as the customer quotes it (CL-7K3M9): the one case it names, if it is of your teams; alone, without other parameters',
        ),
      ),
    team: z.optional(idSlug).check(z.describe('One of your teams (admins: any); default: all of yours')),
    status: z.optional(statusList).check(z.describe(`Comma-separated: ${caseStatuses.join(', ')}`)),
    severity: z.optional(z.enum(['critical', 'routine'])),
    overdue: z
      .optional(
        z.pipe(
          z.enum(['true', 'false']),
          z.transform((v) => v === 'true'),
        ),
      )
      .check(z.describe('true: past acknowledgeBy (open, reopened) or resolveBy (acknowledged)')),
    assignee: z.optional(idSlug).check(z.describe('Only cases assigned to this member')),
    cursor: pageCursor,
    limit: z.optional(pageSize).check(z.describe('Page size, 1–100 (default 25)')),
  })
  .check(
    z.refine((q) => q.ref === undefined || Object.keys(q).length === 1, {
      error: 'finds one case by itself: send no other parameter with it',
      path: ['ref'],
    }),
    z.describe('GET /v1/cases query'),
  );

const dateOrWeekPattern = /^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$/;
const dateOrWeek = z.string().check(
  z.regex(dateOrWeekPattern, 'must be a date (2026-11-18) or an ISO week (2026-W47)'),
  z.refine(
    (v) => !dateOrWeekPattern.test(v) || (v.includes('-W') ? validWeek(v) : validDate(v)),
    'is not a real date or ISO week',
  ),
);
export const metricsQuery = z
  .strictObject({
    from: z.optional(dateOrWeek).check(z.describe('First day or ISO week (default: 4 weeks before `to`)')),
    to: z.optional(dateOrWeek).check(z.describe('Last day or ISO week (default: today)')),
    groupBy: z.enum(metricDimensions, {
      error: `must be one of ${metricDimensions.join(', ')}`,
    }),
  })
  .check(z.describe('GET /v1/metrics query'));

/**
 * The range and the metric–grouping combination are checked with the fields, even when one of
 * them is wrong, so a 400 names every problem at once.
 */
export const trendsQuery = z
  .strictObject({
    metric: z.enum(trendMetrics, { error: `must be one of ${trendMetrics.join(', ')}` }),
    groupBy: z.enum(trendGroups, { error: `must be one of ${trendGroups.join(', ')}` }),
    from: z
      .optional(dateOrWeek)
      .check(z.describe('First day or ISO week (default: 11 weeks before the week of `to`)')),
    to: z.optional(dateOrWeek).check(z.describe("Last day or ISO week (default: today, in the sites' zone)")),
  })
  .check(
    z.superRefine(
      (q, ctx) => {
        const raw = q as Record<string, unknown>;
        const dated = (v: unknown) => typeof v === 'string' && dateOrWeekPattern.test(v);
        const issues = [
          ...(dated(raw.from) && dated(raw.to) ? rangeIssues(String(raw.from), String(raw.to)) : []),
          ...trendQueryIssues(raw),
        ];
        for (const issue of issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [issue.path.replace('query:', '')] });
        }
      },
      { when: () => true },
    ),
    z.describe('GET /v1/trends query'),
  );

export const eraseCustomerQuery = z
  .strictObject({ email: z.email('must be an email address').check(z.maxLength(254)) })
  .check(z.describe('DELETE /v1/customers query'));

// ---------------------------------------------------------------------------------------------
// Resources (responses)
// ---------------------------------------------------------------------------------------------

export const caseResource = z
  .object({
    caseId: z.string(),
    ref: z
      .optional(z.string())
      .check(z.describe('The short reference the customer is given (CL-7K3M9); absent on older cases')),
    feedbackId: z.string(),
    status: z.enum(caseStatuses),
    severity: z.enum(['critical', 'routine']),
    sentiment: z.enum(['negative', 'neutral', 'positive']),
    category: z.string(),
    touchpoint: z.string(),
    channel: z.string(),
    teamId: z.string(),
    assigneeId: z.string(),
    routedBy: z.string().check(z.describe('The routing rule id, or fallback')),
    acknowledgeBy: z.string().check(z.describe('ISO instant, on the team business calendar')),
    resolveBy: z.string().check(z.describe('ISO instant; stands still while waiting on the customer')),
    escalationLevel: z.number().check(z.int()),
    problemId: z.optional(z.string()),
    version: z.number().check(z.int(), z.describe('Send it back as If-Match to change the case')),
    createdAt: z.string(),
    updatedAt: z.string(),
    siteId: z.string(),
    customerLocale: z.string(),
    contactConsent: z.boolean().check(z.describe('Whether the customer may be emailed')),
    summary: z.optional(
      z
        .object({
          excerpt: z.optional(
            z.string().check(z.describe("The comment's first line, at most 120 characters")),
          ),
          rating: z.optional(z.object({ type: z.string(), score: z.number() })),
          customer: z.optional(
            z.string().check(z.describe("The customer's name, else their address masked (h•••@example.jp)")),
          ),
        })
        .check(z.describe('For the queue; erasure keeps only the rating. Absent on older cases')),
    ),
  })
  .check(z.describe('A case (design.md Resources)'));

export const timelineEventResource = z
  .object({
    at: z.string(),
    type: z.enum(timelineEventTypes),
    actor: z.string().check(z.describe('staff:<memberId>, system:<function> or customer')),
    via: z.string().check(z.describe('api, signed_link, triage, sla, notify…')),
    data: z.record(z.string(), z.unknown()),
  })
  .check(z.describe('One entry of the audit trail'));

export const feedbackResource = z
  .extend(feedbackInputSchema, {
    feedbackId: z.string(),
    receivedAt: z.string(),
    bodyHash: z.string(),
    idempotencyKey: z.optional(z.string()),
    origin: z.optional(z.string()),
    erasedAt: z.optional(z.string()).check(z.describe('Set when the customer personal data was erased')),
  })
  .check(z.describe('The stored feedback'));

export const caseDetailResponse = z
  .object({
    case: caseResource,
    feedback: z.nullable(feedbackResource),
    timeline: z.array(timelineEventResource),
  })
  .check(z.describe('GET /v1/cases/{id}'));
export const caseListResponse = z
  .object({
    items: z.array(caseResource),
    cursor: z.nullable(z.string()).check(z.describe('Pass as ?cursor= for the next page; null at the end')),
  })
  .check(z.describe('GET /v1/cases'));
export const caseChangeResponse = z
  .object({ case: caseResource, event: z.nullable(timelineEventResource) })
  .check(z.describe('The case after the change and its timeline event (null when nothing changed)'));

export const problemResource = z
  .object({
    problemId: z.string(),
    title: z.string(),
    description: z.string(),
    customerMessage: z.optional(z.string()),
    status: z.enum(problemStatuses),
    version: z.number().check(z.int()),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.optional(z.string()),
    resolvedBy: z.optional(z.string()),
    resolutions: z.number().check(z.int()),
    touchpoints: z.array(z.string()).check(z.describe("Its linked cases' touchpoints")),
    teams: z.array(z.string()).check(z.describe("Its linked cases' teams")),
    siteIds: z.array(z.string()).check(z.describe("Its linked cases' sites")),
    verification: z.optional(
      z
        .object({
          at: z.string(),
          resolution: z.number().check(z.int()),
          verdict: z.enum(impactVerdicts),
          change: z.nullable(z.number()),
          pValue: z.nullable(z.number()),
        })
        .check(z.describe('The fix check of the last resolution (docs/design.md#did-the-fix-work)')),
    ),
    public: z.optional(z.boolean()),
    publicTitle: z.optional(z.string()),
    publicMessage: z.optional(z.string()),
    publicSiteIds: z.optional(z.array(z.string())),
  })
  .check(z.describe('A problem: cases with one root cause'));
export const problemListResponse = z
  .object({
    items: z.array(
      z.object({
        problem: problemResource,
        caseCount: z.number().check(z.int()),
        customerCount: z.number().check(z.int(), z.describe('Distinct customer addresses of its cases')),
        flagged: z.boolean().check(z.describe('The fix check said worse or no_change')),
      }),
    ),
    cursor: z.nullable(z.string()).check(z.describe('Pass as ?cursor= for the next page; null at the end')),
  })
  .check(z.describe('GET /v1/problems'));
const impactWindow = z.object({
  from: z.string().check(z.describe('First ISO week')),
  to: z.string().check(z.describe('Last ISO week')),
  n: z.number().check(z.int(), z.describe('Responses on the touchpoints')),
  negativeShare: z.nullable(z.number()),
  nps: z.nullable(z.number()),
});
export const impactResponse = z
  .object({
    problemId: z.string(),
    touchpoints: z.array(z.string()),
    resolvedAt: z.optional(z.string()),
    windowWeeks: z.number().check(z.int()),
    before: impactWindow,
    after: impactWindow,
    change: z.nullable(z.number()).check(z.describe('Negative share after minus before')),
    pValue: z.nullable(z.number()).check(z.describe('Two-sided, pooled two-proportion z-test')),
    verdict: z.enum(impactVerdicts),
  })
  .check(z.describe('GET /v1/problems/{id}/impact'));
export const problemResponse = z
  .object({ problem: problemResource, caseIds: z.array(z.string()) })
  .check(z.describe('A problem and its linked case ids'));
export const linkCasesResponse = z
  .object({ problem: problemResource, linked: z.array(z.string()), alreadyLinked: z.array(z.string()) })
  .check(z.describe('POST /v1/problems/{id}/cases'));
export const resolveProblemResponse = z
  .object({
    problem: problemResource,
    resolved: z.array(z.string()).check(z.describe('Cases resolved now (each with its customer notice)')),
    skipped: z
      .array(z.object({ caseId: z.string(), status: z.enum(caseStatuses) }))
      .check(z.describe('Linked cases not open any more')),
  })
  .check(z.describe('POST /v1/problems/{id}/resolve'));

const share = z.nullable(z.number().check(z.gte(0), z.lte(1)));
const minutes = z.nullable(z.number());
export const metricsGroup = z
  .object({
    key: z.string(),
    responses: z.number().check(z.int()),
    nps: z
      .nullable(z.number().check(z.gte(-100), z.lte(100)))
      .check(z.describe('Promoters minus detractors, % of NPS answers')),
    csat: share.check(z.describe('Share of CSAT answers that are 4 or 5')),
    csatAverage: z.nullable(z.number()).check(z.describe('Mean CSAT score (1–5)')),
    ces: z.nullable(z.number()).check(z.describe('Mean CES score (1–7, 7 = very easy)')),
    negativeShare: share,
    cases: z.number().check(z.int()),
    acknowledgedWithin2h: share.check(z.describe('Of the cases opened')),
    acknowledgedWithin6h: share,
    closedWithin48h: share.check(z.describe('Resolved within 48 h, of the cases opened')),
    loopClosedWithin72h: share.check(
      z.describe('Customer told the resolution within 72 h, of resolved consenting cases'),
    ),
    ackMinutesP50: minutes,
    ackMinutesP90: minutes,
    resolveMinutesP50: minutes,
    resolveMinutesP90: minutes,
    invited: z
      .number()
      .check(z.int(), z.describe('Survey invitations emailed for the touchpoint (touchpoint groups only)')),
    opened: z.number().check(z.int(), z.describe('Of those, survey pages opened')),
    answered: z.number().check(z.int(), z.describe('Of those, surveys answered')),
    responseRate: share.check(z.describe('answered ÷ invited')),
    prompted: z
      .number()
      .check(z.int(), z.describe('Widget prompts shown, from POST /v1/impressions (touchpoint groups only)')),
    promptResponseRate: share.check(z.describe('Widget answers ÷ prompts shown')),
  })
  .check(z.describe('One key of the chosen dimension, summed over the weeks'));
export const metricsResponse = z
  .object({
    groupBy: z.enum(metricDimensions),
    from: z.string(),
    to: z.string(),
    weeks: z.array(z.string()).check(z.describe('ISO weeks read (each one Query per dimension)')),
    targets: z.object({
      acknowledgedWithin2h: z.number(),
      acknowledgedWithin6h: z.number(),
      closedWithin48h: z.number(),
      loopClosedWithin72h: z.number(),
    }),
    groups: z.array(metricsGroup),
  })
  .check(z.describe('GET /v1/metrics'));

export const trendPoint = z
  .object({
    week: z.string().check(z.describe('ISO week, e.g. 2026-W40')),
    value: z
      .nullable(z.number())
      .check(
        z.describe('The metric that week; null where a ratio, mean or median has no data (counts are 0)'),
      ),
    n: z
      .number()
      .check(z.int(), z.describe('What it stands on: answers, cases, invitations or cancellations')),
    bucket: z.optional(
      z
        .object({ fromHours: z.number(), toHours: z.nullable(z.number()) })
        .check(
          z.describe(
            'Medians only: the histogram bucket the median lies in; value is interpolated inside it, not measured',
          ),
        ),
    ),
  })
  .check(z.describe('One week of a series'));
export const teamsResponse = z
  .object({
    items: z.array(
      z.object({
        teamId: z.string(),
        name: z.string(),
        leadId: z.string(),
        managerId: z.string(),
        members: z.array(
          z.object({
            memberId: z.string(),
            name: z.string(),
            locale: z.string(),
            available: z.boolean().check(z.describe('false: keeps their cases, gets no new assignments')),
          }),
        ),
      }),
    ),
  })
  .check(
    z.describe(
      "GET /v1/teams: the teams you may see (admins: every configured team) and their members' names",
    ),
  );
export const trendsResponse = z
  .object({
    metric: z.enum(trendMetrics),
    groupBy: z.enum(trendGroups),
    from: z.string(),
    to: z.string(),
    weeks: z.array(z.string()).check(z.describe('Every ISO week of the range, oldest first')),
    target: z
      .nullable(z.number())
      .check(z.describe('ackWithinTarget / resolvedWithinTarget: the configured attainment target')),
    asOf: z.string().check(z.describe('The oldest weekly rollup the answer used (docs/trends.md)')),
    series: z.array(
      z.object({
        key: z.string().check(z.describe('The key of the grouping (`all` for groupBy=none)')),
        points: z.array(trendPoint),
      }),
    ),
  })
  .check(z.describe('GET /v1/trends'));

export const erasureResponse = z
  .object({
    feedback: z.number().check(z.int(), z.describe('Feedback items whose personal data was removed')),
    cases: z.number().check(z.int(), z.describe('Cases that got an erased event')),
  })
  .check(z.describe('DELETE /v1/customers'));

export const validationError = z
  .object({
    error: z.literal('validation_failed'),
    issues: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .check(z.describe('400: one issue per problem'));
export const errorResponse = z
  .object({ error: z.string(), message: z.optional(z.string()) })
  .check(z.describe('An error (401, 403, 404, 413, 415, 428, 503)'));
export const conflictError = z
  .object({
    error: z.enum([
      'version_conflict',
      'invalid_transition',
      'already_linked',
      'problem_resolved',
      'problem_changed',
    ]),
    message: z.string(),
    current: z
      .optional(z.number().check(z.int()))
      .check(z.describe('version_conflict: the case version now')),
    status: z.optional(z.string()).check(z.describe('invalid_transition: the status now')),
  })
  .check(z.describe('409'));

export type ListProblemsQuery = z.output<typeof listProblemsQuery>;
export type CreateProblem = z.output<typeof createProblemBody>;
export type PatchProblem = z.output<typeof patchProblemBody>;
export type LinkCases = z.output<typeof linkCasesBody>;
export type ResolveProblem = z.output<typeof resolveProblemBody>;
export type EraseCustomer = z.output<typeof eraseCustomerQuery>;

export { caseActions };
