import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/**
 * Published on the event bus when a problem is resolved, written with the problem's change (an
 * outbox item). `resolution` counts the problem's resolutions (a reopened problem can be resolved
 * again), so each resolution is one event. The linked cases each publish their own `case.resolved`.
 */
export const problemResolved = defineEvent(
  'problem.resolved',
  1,
  z.object({
    type: z.literal('problem.resolved'),
    version: z.literal(1),
    problemId: z.string().check(z.minLength(1)),
    title: z.string(),
    resolution: z.number(),
    resolvedBy: z.string().check(z.minLength(1)),
    resolvedAt: z.iso.datetime(),
  }),
);
export type ProblemResolved = z.infer<typeof problemResolved.schema>;
