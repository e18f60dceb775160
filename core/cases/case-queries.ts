/**
 * Reading cases: one case with its feedback and timeline, and the paginated list of a member's
 * teams (the cases-by-team index, newest first; never a scan).
 */
import * as z from 'zod/mini';
import '../../shared/zod-locale.ts';
import { canAccessTeam, type Principal, requireTeam } from '../../shared/auth/principal.ts';
import type { Case, CaseStatus, TimelineEvent } from '../../shared/domain/case.ts';
import type { Severity } from '../../shared/domain/classify.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { caseTeamKey } from '../../shared/repository/case-item.ts';
import type { CaseDeps } from './case-changes.ts';
import { loadAuthorized } from './case-changes.ts';

/** The case resource (docs/design.md#the-case): the stored case without storage attributes. */
export function publicCase(c: Case): Case {
  return {
    caseId: c.caseId,
    ...(c.ref ? { ref: c.ref } : {}),
    feedbackId: c.feedbackId,
    status: c.status,
    severity: c.severity,
    sentiment: c.sentiment,
    category: c.category,
    touchpoint: c.touchpoint,
    channel: c.channel,
    teamId: c.teamId,
    assigneeId: c.assigneeId,
    routedBy: c.routedBy,
    acknowledgeBy: c.acknowledgeBy,
    resolveBy: c.resolveBy,
    escalationLevel: c.escalationLevel,
    ...(c.problemId ? { problemId: c.problemId } : {}),
    version: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    siteId: c.siteId,
    customerLocale: c.customerLocale,
    contactConsent: c.contactConsent,
    ...(c.summary ? { summary: c.summary } : {}),
  };
}

export interface CaseDetail {
  case: Case;
  feedback: Feedback | null;
  timeline: TimelineEvent[];
}

export async function getCaseDetail(
  caseId: string,
  principal: Principal,
  deps: CaseDeps,
): Promise<CaseDetail> {
  const loaded = await loadAuthorized(deps, caseId, { kind: 'staff', principal });
  const feedback = await deps.cases.feedback(loaded.case.feedbackId);
  return { case: publicCase(loaded.case), feedback: feedback ?? null, timeline: loaded.timeline };
}

export interface ListCasesInput {
  /** A short case reference: the one case it names, if the caller may see it (nothing else). */
  ref?: string;
  team?: string;
  status?: CaseStatus[];
  severity?: Severity;
  overdue?: boolean;
  assignee?: string;
  cursor?: string;
  limit?: number;
}

export const DEFAULT_PAGE_SIZE = 25;
/** Index pages one request reads at most (filters can make them sparse); the cursor goes on from there. */
export const MAX_READS_PER_REQUEST = 10;

/** Where a listing stopped: the team (index into the request's team list) and the index key. */
const cursorSchema = z.strictObject({
  t: z.number().check(z.int(), z.gte(0)),
  k: z.optional(z.record(z.string(), z.string())),
});
type Cursor = z.infer<typeof cursorSchema>;

/** The key must lie in the partition of the team it names. */
const decodeCaseCursor = (raw: string, teams: readonly string[]): Cursor =>
  decodeCursor(raw, cursorSchema, (c) => {
    const team = teams[c.t];
    return team !== undefined && (!c.k || c.k.caseTeam === caseTeamKey(team));
  });

/**
 * What staff find by the reference a customer quotes: the case, when it is of one of their teams
 * (admins: any). Another team's case is not found rather than forbidden, as a list filter answers,
 * so a reference says nothing about cases the caller may not see.
 */
async function caseByRef(ref: string, principal: Principal, deps: CaseDeps): Promise<Case[]> {
  const caseId = await deps.cases.caseIdOfRef(ref);
  const found = caseId === undefined ? undefined : await deps.cases.load(caseId);
  if (found === undefined || !canAccessTeam(principal, found.case.teamId)) return [];
  return [publicCase(found.case)];
}

/**
 * The cases of the requested team (it must be one of the member's; admins: any), else of every
 * team the member is in (admins: every configured team): team by team in id order, newest first
 * within a team. `{ items, cursor }`; `cursor` is null at the end.
 */
export async function listCases(
  input: ListCasesInput,
  principal: Principal,
  deps: CaseDeps,
): Promise<{ items: Case[]; cursor: string | null }> {
  if (input.ref !== undefined) return { items: await caseByRef(input.ref, principal, deps), cursor: null };
  let teams: string[];
  if (input.team !== undefined) {
    requireTeam(principal, input.team);
    teams = [input.team];
  } else {
    teams = principal.admin ? deps.config.teams.map((t) => t.id) : [...principal.teamIds];
    teams = [...new Set(teams)].sort();
  }
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  let cursor: Cursor = input.cursor ? decodeCaseCursor(input.cursor, teams) : { t: 0 };
  const items: Case[] = [];
  const now = deps.clock.now().toISOString();
  let reads = 0;
  while (cursor.t < teams.length && items.length < limit && reads < MAX_READS_PER_REQUEST) {
    const teamId = teams[cursor.t] as string;
    const page = await deps.cases.list({
      teamId,
      ...(input.status ? { statuses: input.status } : {}),
      ...(input.severity ? { severity: input.severity } : {}),
      ...(input.assignee ? { assigneeId: input.assignee } : {}),
      ...(input.overdue !== undefined ? { overdue: input.overdue } : {}),
      now,
      limit: limit - items.length,
      ...(cursor.k ? { startKey: cursor.k } : {}),
      maxReads: MAX_READS_PER_REQUEST - reads,
    });
    reads += Math.max(1, page.reads);
    items.push(...page.items.map(publicCase));
    cursor = page.lastKey ? { t: cursor.t, k: page.lastKey } : { t: cursor.t + 1 };
  }
  return { items, cursor: cursor.t < teams.length ? encodeCursor(cursor) : null };
}
