import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/**
 * Published on the event bus when the SLA sweep fires a rung of the escalation ladder (written in
 * the step's transaction, as an outbox item). Routing facts only, never the customer's text or
 * address, like `case.opened`.
 */
export const caseEscalated = defineEvent(
  'case.escalated',
  1,
  z.object({
    type: z.literal('case.escalated'),
    version: z.literal(1),
    caseId: z.string().check(z.minLength(1)),
    caseRef: z.optional(z.string().check(z.minLength(1))),
    feedbackId: z.string().check(z.minLength(1)),
    siteId: z.string().check(z.minLength(1)),
    severity: z.enum(['critical', 'routine']),
    touchpoint: z.string().check(z.minLength(1)),
    teamId: z.string().check(z.minLength(1)),
    assigneeId: z.string().check(z.minLength(1)),
    /** The rung: lead, manager or executive. */
    level: z.string().check(z.minLength(1)),
    /** Which deadline was missed: acknowledge or resolve (absent on a bad follow-up's reopen rung). */
    clock: z.optional(z.string().check(z.minLength(1))),
    /** The missed deadline (absent as `clock`). */
    deadline: z.optional(z.iso.datetime()),
    /** The step id (`ack:lead`, `r1:res:manager`): one event per step. */
    stepId: z.string().check(z.minLength(1)),
    escalationLevel: z.number(),
    escalatedAt: z.iso.datetime(),
  }),
);
export type CaseEscalated = z.infer<typeof caseEscalated.schema>;
