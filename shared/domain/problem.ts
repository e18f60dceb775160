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
  /**
   * The touchpoints, teams and sites of its linked cases, sorted. Kept by the link itself (each
   * link adds its case's to the problem item in the same transaction), never by `update`.
   */
  touchpoints: string[];
  teams: string[];
  siteIds: string[];
  /** The before/after check at the follow-up point of the last resolution (core/problems/impact.ts). */
  verification?: ProblemVerification;
}

export const impactVerdicts = ['improved', 'no_change', 'worse', 'too_early'] as const;
export type ImpactVerdict = (typeof impactVerdicts)[number];

export interface ProblemVerification {
  at: string;
  /** Which resolution it checked (`resolutions` then). */
  resolution: number;
  verdict: ImpactVerdict;
  /** Negative share after minus before, in points of share (−0.12: twelve points fewer). */
  change: number | null;
  pValue: number | null;
}

/** A verdict staff should look at: the fix did not show in the figures. */
export const flaggedVerdict = (v: ProblemVerification | undefined) =>
  v !== undefined && (v.verdict === 'worse' || v.verdict === 'no_change');

/** The fields the link transaction keeps on the problem item (never written by `update`). */
export const linkMaintained = ['touchpoints', 'teams', 'siteIds'] as const;
