import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/**
 * Published on the event bus (detail-type `case.opened`, source `closeloop`) when triage opens a
 * case. Carries the case's routing facts, never the customer's text or address: subscribers that
 * need more read the case.
 */
export const caseOpened = defineEvent(
  'case.opened',
  1,
  z.object({
    type: z.literal('case.opened'),
    version: z.literal(1),
    caseId: z.string().check(z.minLength(1)),
    /** The short reference customers quote (added within v1: optional, so old readers ignore it). */
    caseRef: z.optional(z.string().check(z.minLength(1))),
    feedbackId: z.string().check(z.minLength(1)),
    siteId: z.string().check(z.minLength(1)),
    severity: z.enum(['critical', 'routine']),
    sentiment: z.enum(['negative', 'neutral', 'positive']),
    category: z.string().check(z.minLength(1)),
    touchpoint: z.string().check(z.minLength(1)),
    channel: z.string().check(z.minLength(1)),
    teamId: z.string().check(z.minLength(1)),
    assigneeId: z.string().check(z.minLength(1)),
    routedBy: z.string().check(z.minLength(1)),
    acknowledgeBy: z.iso.datetime(),
    resolveBy: z.iso.datetime(),
    openedAt: z.iso.datetime(),
  }),
);
export type CaseOpened = z.infer<typeof caseOpened.schema>;
