import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/**
 * Published on the event bus when a case is resolved (by staff, a signed link or a problem), in the
 * change's transaction as an outbox item. `version` of the case tells one resolution from the next
 * (a reopened case can be resolved again). No customer text or address.
 */
export const caseResolved = defineEvent(
  'case.resolved',
  1,
  z.object({
    type: z.literal('case.resolved'),
    version: z.literal(1),
    caseId: z.string().check(z.minLength(1)),
    caseRef: z.optional(z.string().check(z.minLength(1))),
    feedbackId: z.string().check(z.minLength(1)),
    siteId: z.string().check(z.minLength(1)),
    severity: z.enum(['critical', 'routine']),
    touchpoint: z.string().check(z.minLength(1)),
    teamId: z.string().check(z.minLength(1)),
    assigneeId: z.string().check(z.minLength(1)),
    /** The case's version after the resolution. */
    caseVersion: z.number(),
    /** Set when the case was resolved through a problem. */
    problemId: z.optional(z.string().check(z.minLength(1))),
    resolvedBy: z.string().check(z.minLength(1)),
    resolvedAt: z.iso.datetime(),
  }),
);
export type CaseResolved = z.infer<typeof caseResolved.schema>;
