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
  /**
   * Shown on the known-issues page of each of `publicSiteIds` (docs/known-issues.md): only `publicTitle`,
   * `publicMessage`, the status and when it was fixed, never the internal title or description.
   */
  public?: boolean;
  publicTitle?: string;
  publicMessage?: string;
  /** The sites whose known-issues page lists it (staff choose; `siteIds` are the linked cases'). */
  publicSiteIds?: string[];
}

/** What staff may set about a problem's public face (at create, or by PATCH /v1/problems/{id}). */
export interface PublicFields {
  public?: boolean;
  publicTitle?: string;
  publicMessage?: string;
  publicSiteIds?: string[];
}

export const MAX_PUBLIC_TITLE = 120;
export const MAX_PUBLIC_MESSAGE = 1000;

/**
 * The rules of a public problem, as issues naming each field: a public problem needs a
 * `publicTitle`, a `publicMessage` and at least one site, each site one the config knows.
 */
export function publicFieldIssues(
  p: PublicFields,
  knownSites: readonly string[],
): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  (p.publicSiteIds ?? []).forEach((siteId, i) => {
    if (!knownSites.includes(siteId)) {
      issues.push({
        path: `publicSiteIds[${i}]`,
        message: `must be a site of the config (${knownSites.join(', ')})`,
      });
    }
  });
  if (p.public !== true) return issues;
  if (!p.publicTitle?.trim())
    issues.push({ path: 'publicTitle', message: 'is required when public is true' });
  if (!p.publicMessage?.trim()) {
    issues.push({ path: 'publicMessage', message: 'is required when public is true' });
  }
  if ((p.publicSiteIds ?? []).length === 0) {
    issues.push({ path: 'publicSiteIds', message: 'must name at least one site when public is true' });
  }
  return issues;
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
