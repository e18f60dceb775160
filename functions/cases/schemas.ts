/**
 * The staff contract (design.md "Staff contract", "Resources") as zod schemas: request bodies and
 * query strings are validated with them (functions/cases/handler.ts), and the OpenAPI document is
 * generated from them (functions/cases/openapi.ts), so the two cannot drift.
 */
import * as z from 'zod';
import { caseStatuses, timelineEventTypes } from '../../shared/domain/case.ts';
import { caseActions } from '../../shared/domain/case-commands.ts';
import { feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { metricDimensions } from '../../shared/domain/metrics.ts';
import { problemStatuses } from '../../shared/domain/problem.ts';
import { validDate, validWeek } from './metrics.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be blank');
const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).optional();

/** Case ids are `case_<feedback id suffix>`; problem ids `prb_<uuid>`. */
export const caseIdSchema = z
  .string()
  .regex(/^case_[A-Za-z0-9_-]{1,100}$/, 'must be a case id (case_…)')
  .describe('Case id');
export const problemIdSchema = z
  .string()
  .regex(/^prb_[A-Za-z0-9_-]{1,100}$/, 'must be a problem id (prb_…)')
  .describe('Problem id');
const idSlug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be an id (lower-case slug)');

// ---------------------------------------------------------------------------------------------
// Case action bodies: POST /v1/cases/{id}/<action>, with If-Match: <version>
// ---------------------------------------------------------------------------------------------

export const acknowledgeBody = z
  .strictObject({ note: optionalText(2000).describe('Optional note recorded on the event') })
  .describe('POST /v1/cases/{id}/acknowledge');
export const assignBody = z
  .strictObject({ assigneeId: idSlug.describe("A member of the case's team") })
  .describe('POST /v1/cases/{id}/assign');
export const notesBody = z
  .strictObject({ text: text(4000).describe('Internal note (never sent to the customer)') })
  .describe('POST /v1/cases/{id}/notes');
export const updatesBody = z
  .strictObject({
    message: text(4000).describe(
      'Progress update for the customer: emailed (customer_progress) when they gave contact consent',
    ),
  })
  .describe('POST /v1/cases/{id}/updates');
export const pauseBody = z
  .strictObject({ reason: optionalText(500).describe('What the team waits for from the customer') })
  .describe('POST /v1/cases/{id}/pause: waiting on the customer; the resolve clock stops');
export const resumeBody = z.strictObject({}).describe('POST /v1/cases/{id}/resume');
export const resolutionActionsSchema = z
  .strictObject({
    internal: z.array(text(500)).max(20, 'at most 20 actions').describe('Internal follow-up actions'),
    external: z.array(text(500)).max(20, 'at most 20 actions').describe('Actions visible outside the team'),
  })
  .describe('Actions taken or planned');
export const resolveBody = z
  .strictObject({
    customerMessage: text(4000).describe('Told to the customer (customer_resolved), with contact consent'),
    rootCause: text(4000).describe('Internal root cause'),
    actions: resolutionActionsSchema,
  })
  .describe('POST /v1/cases/{id}/resolve');
export const reopenBody = z
  .strictObject({ reason: optionalText(500) })
  .describe('POST /v1/cases/{id}/reopen');
export const closeBody = z.strictObject({ reason: optionalText(500) }).describe('POST /v1/cases/{id}/close');

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
} as const satisfies Record<(typeof caseActions)[number], z.ZodType>;

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

export const createProblemBody = z
  .strictObject({
    title: text(200).describe('Short name, e.g. "Payment provider outage"'),
    description: text(4000).describe('Internal: what is wrong; becomes the root cause of resolved cases'),
    customerMessage: text(4000)
      .optional()
      .describe('What every linked customer is told when the problem is resolved'),
  })
  .describe('POST /v1/problems');
export const linkCasesBody = z
  .strictObject({
    caseIds: z
      .array(caseIdSchema)
      .min(1, 'name at least one case')
      .max(100, 'at most 100 cases per request')
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a case'),
  })
  .describe('POST /v1/problems/{id}/cases');
export const resolveProblemBody = z
  .strictObject({
    customerMessage: text(4000)
      .optional()
      .describe("Told to every linked customer; defaults to the problem's customerMessage"),
    actions: resolutionActionsSchema.optional(),
  })
  .describe('POST /v1/problems/{id}/resolve');
export const reopenProblemBody = z
  .strictObject({ reason: optionalText(500) })
  .describe('POST /v1/problems/{id}/reopen');

// ---------------------------------------------------------------------------------------------
// Query strings
// ---------------------------------------------------------------------------------------------

const statusList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()))
  .pipe(
    z.array(z.enum(caseStatuses, { error: `each status must be one of ${caseStatuses.join(', ')}` })).max(6),
  );

export const listCasesQuery = z
  .strictObject({
    team: idSlug.optional().describe('One of your teams (admins: any); default: all of yours'),
    status: statusList.optional().describe(`Comma-separated: ${caseStatuses.join(', ')}`),
    severity: z.enum(['critical', 'routine']).optional(),
    overdue: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe('true: past acknowledgeBy (open, reopened) or resolveBy (acknowledged)'),
    assignee: idSlug.optional().describe('Only cases assigned to this member'),
    cursor: z.string().max(2000).optional().describe('From the previous page'),
    limit: z
      .string()
      .regex(/^[1-9]\d{0,2}$/, 'must be a whole number from 1 to 100')
      .transform(Number)
      .refine((n) => n <= 100, 'must be a whole number from 1 to 100')
      .optional()
      .describe('Page size, 1–100 (default 25)'),
  })
  .describe('GET /v1/cases query');

const dateOrWeekPattern = /^(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})$/;
const dateOrWeek = z
  .string()
  .regex(dateOrWeekPattern, 'must be a date (2026-11-18) or an ISO week (2026-W47)')
  .refine(
    (v) => !dateOrWeekPattern.test(v) || (v.includes('-W') ? validWeek(v) : validDate(v)),
    'is not a real date or ISO week',
  );
export const metricsQuery = z
  .strictObject({
    from: dateOrWeek.optional().describe('First day or ISO week (default: 4 weeks before `to`)'),
    to: dateOrWeek.optional().describe('Last day or ISO week (default: today)'),
    groupBy: z.enum(metricDimensions, {
      error: `must be one of ${metricDimensions.join(', ')}`,
    }),
  })
  .describe('GET /v1/metrics query');

export const eraseCustomerQuery = z
  .strictObject({ email: z.email('must be an email address').max(254) })
  .describe('DELETE /v1/customers query');

// ---------------------------------------------------------------------------------------------
// Resources (responses)
// ---------------------------------------------------------------------------------------------

export const caseResource = z
  .object({
    caseId: z.string(),
    feedbackId: z.string(),
    status: z.enum(caseStatuses),
    severity: z.enum(['critical', 'routine']),
    sentiment: z.enum(['negative', 'neutral', 'positive']),
    category: z.string(),
    touchpoint: z.string(),
    channel: z.string(),
    teamId: z.string(),
    assigneeId: z.string(),
    routedBy: z.string().describe('The routing rule id, or fallback'),
    acknowledgeBy: z.string().describe('ISO instant, on the team business calendar'),
    resolveBy: z.string().describe('ISO instant; stands still while waiting on the customer'),
    escalationLevel: z.number().int(),
    problemId: z.string().optional(),
    version: z.number().int().describe('Send it back as If-Match to change the case'),
    createdAt: z.string(),
    updatedAt: z.string(),
    siteId: z.string(),
    customerLocale: z.string(),
    contactConsent: z.boolean().describe('Whether the customer may be emailed'),
  })
  .describe('A case (design.md Resources)');

export const timelineEventResource = z
  .object({
    at: z.string(),
    type: z.enum(timelineEventTypes),
    actor: z.string().describe('staff:<memberId>, system:<function> or customer'),
    via: z.string().describe('api, signed_link, triage, sla, notify…'),
    data: z.record(z.string(), z.unknown()),
  })
  .describe('One entry of the audit trail');

export const feedbackResource = feedbackInputSchema
  .extend({
    feedbackId: z.string(),
    receivedAt: z.string(),
    bodyHash: z.string(),
    idempotencyKey: z.string().optional(),
    origin: z.string().optional(),
    erasedAt: z.string().optional().describe('Set when the customer personal data was erased'),
  })
  .describe('The stored feedback');

export const caseDetailResponse = z
  .object({
    case: caseResource,
    feedback: feedbackResource.nullable(),
    timeline: z.array(timelineEventResource),
  })
  .describe('GET /v1/cases/{id}');
export const caseListResponse = z
  .object({
    items: z.array(caseResource),
    cursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null at the end'),
  })
  .describe('GET /v1/cases');
export const caseChangeResponse = z
  .object({ case: caseResource, event: timelineEventResource.nullable() })
  .describe('The case after the change and its timeline event (null when nothing changed)');

export const problemResource = z
  .object({
    problemId: z.string(),
    title: z.string(),
    description: z.string(),
    customerMessage: z.string().optional(),
    status: z.enum(problemStatuses),
    version: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    resolvedAt: z.string().optional(),
    resolvedBy: z.string().optional(),
    resolutions: z.number().int(),
  })
  .describe('A problem: cases with one root cause');
export const problemResponse = z
  .object({ problem: problemResource, caseIds: z.array(z.string()) })
  .describe('A problem and its linked case ids');
export const linkCasesResponse = z
  .object({ problem: problemResource, linked: z.array(z.string()), alreadyLinked: z.array(z.string()) })
  .describe('POST /v1/problems/{id}/cases');
export const resolveProblemResponse = z
  .object({
    problem: problemResource,
    resolved: z.array(z.string()).describe('Cases resolved now (each with its customer notice)'),
    skipped: z
      .array(z.object({ caseId: z.string(), status: z.enum(caseStatuses) }))
      .describe('Linked cases not open any more'),
  })
  .describe('POST /v1/problems/{id}/resolve');

const share = z.number().min(0).max(1).nullable();
const minutes = z.number().nullable();
export const metricsGroup = z
  .object({
    key: z.string(),
    responses: z.number().int(),
    nps: z.number().min(-100).max(100).nullable().describe('Promoters minus detractors, % of NPS answers'),
    csat: share.describe('Share of CSAT answers that are 4 or 5'),
    csatAverage: z.number().nullable().describe('Mean CSAT score (1–5)'),
    ces: z.number().nullable().describe('Mean CES score (1–7, 7 = very easy)'),
    negativeShare: share,
    cases: z.number().int(),
    acknowledgedWithin2h: share.describe('Of the cases opened'),
    acknowledgedWithin6h: share,
    closedWithin48h: share.describe('Resolved within 48 h, of the cases opened'),
    loopClosedWithin72h: share.describe(
      'Customer told the resolution within 72 h, of resolved consenting cases',
    ),
    ackMinutesP50: minutes,
    ackMinutesP90: minutes,
    resolveMinutesP50: minutes,
    resolveMinutesP90: minutes,
  })
  .describe('One key of the chosen dimension, summed over the weeks');
export const metricsResponse = z
  .object({
    groupBy: z.enum(metricDimensions),
    from: z.string(),
    to: z.string(),
    weeks: z.array(z.string()).describe('ISO weeks read (each one Query per dimension)'),
    targets: z.object({
      acknowledgedWithin2h: z.number(),
      acknowledgedWithin6h: z.number(),
      closedWithin48h: z.number(),
      loopClosedWithin72h: z.number(),
    }),
    groups: z.array(metricsGroup),
  })
  .describe('GET /v1/metrics');

export const erasureResponse = z
  .object({
    feedback: z.number().int().describe('Feedback items whose personal data was removed'),
    cases: z.number().int().describe('Cases that got an erased event'),
  })
  .describe('DELETE /v1/customers');

export const validationError = z
  .object({
    error: z.literal('validation_failed'),
    issues: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .describe('400: one issue per problem');
export const errorResponse = z
  .object({ error: z.string(), message: z.string().optional() })
  .describe('An error (401, 403, 404, 413, 415, 428, 503)');
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
    current: z.number().int().optional().describe('version_conflict: the case version now'),
    status: z.string().optional().describe('invalid_transition: the status now'),
  })
  .describe('409');

export type CreateProblem = z.output<typeof createProblemBody>;
export type LinkCases = z.output<typeof linkCasesBody>;
export type ResolveProblem = z.output<typeof resolveProblemBody>;
export type EraseCustomer = z.output<typeof eraseCustomerQuery>;

export { caseActions };
