import * as z from 'zod/mini';
import '../zod-locale.ts';
import { impactVerdicts } from '../domain/problem.ts';
import { defineEvent } from './contract.ts';

/**
 * Published when a resolved problem's fix was checked at its follow-up point
 * (docs/design.md#did-the-fix-work), written with the recorded verdict (an outbox item), so it
 * exists exactly when the verdict does. One per resolution: `resolution` names the one checked.
 */
export const problemVerified = defineEvent(
  'problem.verified',
  1,
  z.object({
    type: z.literal('problem.verified'),
    version: z.literal(1),
    problemId: z.string().check(z.minLength(1)),
    resolution: z.number(),
    verdict: z.enum(impactVerdicts),
    change: z.nullable(z.number()),
    pValue: z.nullable(z.number()),
    reopened: z.boolean(),
    verifiedAt: z.iso.datetime(),
  }),
);
export type ProblemVerified = z.infer<typeof problemVerified.schema>;
