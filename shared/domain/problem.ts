/**
 * A problem groups cases with one root cause (docs/design.md#problems: "payment provider
 * outage"). Resolving it resolves its open cases and tells every linked customer. Pure: no AWS imports.
 */
export const problemStatuses = ['open', 'resolved'] as const;
export type ProblemStatus = (typeof problemStatuses)[number];

export interface Problem {
  problemId: string;
  title: string;
  /** Internal: what is wrong (becomes each resolved case's root cause). */
  description: string;
  /** What every linked customer is told when the problem is resolved. */
  customerMessage?: string;
  status: ProblemStatus;
  /** Starts at 1; every change increments it. */
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  resolvedAt?: string;
  resolvedBy?: string;
  /** How many times it was resolved (a reopened problem can be resolved again). */
  resolutions: number;
}
