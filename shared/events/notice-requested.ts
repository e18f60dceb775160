import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/** Every kind of email the loop sends (docs/design.md#notices). */
export const noticeKinds = [
  'customer_confirm',
  'customer_received',
  'customer_progress',
  'customer_resolved',
  'customer_follow_up',
  'customer_problem_resolved',
  'customer_survey_invitation',
  'staff_new_critical',
  'staff_pre_breach',
  'staff_escalation',
  'staff_weekly_digest',
  'staff_problem_verification',
] as const;
export type NoticeKind = (typeof noticeKinds)[number];

const recipient = z.object({
  email: z.email(),
  name: z.optional(z.string()),
  locale: z.optional(z.string()),
  /** A member id when the recipient is staff; used for signed links and "who had it". */
  memberId: z.optional(z.string()),
});

/**
 * What the notify queue carries. `noticeId` is `<caseId>:<kind>:<step>` (or `<kind>:<scope>:<step>`
 * for digests): the notify function sends each noticeId at most once.
 */
export const noticeRequested = defineEvent(
  'notice.requested',
  1,
  z.object({
    type: z.literal('notice.requested'),
    version: z.literal(1),
    noticeId: z.string().check(z.minLength(1)),
    kind: z.enum(noticeKinds),
    audience: z.enum(['customer', 'staff']),
    caseId: z.optional(z.string()),
    /** Distinguishes repeats of one kind on one case, e.g. `ack:lead` or `update:3`. */
    step: z.string().check(z.minLength(1)),
    to: z.array(recipient).check(z.minLength(1)),
    /** Template data (case fields, deadlines, messages); user text is escaped at render time. */
    data: z.record(z.string(), z.unknown()),
    requestedAt: z.string(),
  }),
);
export type NoticeRequested = z.infer<typeof noticeRequested.schema>;

export const isCustomerKind = (kind: string) => kind.startsWith('customer_');

/**
 * Customer rules (consent, suppression, double opt-in) and the customer notify queue apply when
 * either the audience or the kind says customer. Loose input: the relay sees raw outbox messages.
 */
export const isForCustomer = (notice: { audience?: unknown; kind?: unknown }) =>
  notice.audience === 'customer' || (typeof notice.kind === 'string' && isCustomerKind(notice.kind));

export const noticeIdOf = (caseId: string, kind: NoticeKind, step: string) => `${caseId}:${kind}:${step}`;
