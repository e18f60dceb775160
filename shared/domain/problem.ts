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
   * Shown on the known-issues page of each of `siteIds` (docs/known-issues.md): only `publicTitle`,
   * `publicMessage`, the status and when it was fixed, never the internal title or description.
   */
  public?: boolean;
  publicTitle?: string;
  publicMessage?: string;
  /** The sites whose known-issues page lists it (staff choose; never derived from the cases). */
  siteIds?: string[];
}

/** What staff may set about a problem's public face (at create, or by PATCH /v1/problems/{id}). */
export interface PublicFields {
  public?: boolean;
  publicTitle?: string;
  publicMessage?: string;
  siteIds?: string[];
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
  (p.siteIds ?? []).forEach((siteId, i) => {
    if (!knownSites.includes(siteId)) {
      issues.push({
        path: `siteIds[${i}]`,
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
  if ((p.siteIds ?? []).length === 0) {
    issues.push({ path: 'siteIds', message: 'must name at least one site when public is true' });
  }
  return issues;
}
