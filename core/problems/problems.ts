/**
 * Problems (docs/design.md#problems: "A problem groups cases with one root cause"): create,
 * link cases, resolve every linked open case at once (each with its customer's notice), reopen.
 *
 * Authorization: a problem belongs to no team (an outage spans teams), so any staff member may
 * create and read one, but sees only the linked cases of their own teams (admins: all). Linking
 * and resolving change cases, so the caller must be allowed to change every case concerned,
 * checked for all of them before anything is written. Reopening undoes every team's resolution,
 * so it takes the problem's creator, a member of every linked team, or an admin.
 */

import * as z from 'zod/mini';
import { canAccessTeam, type Principal } from '../../shared/auth/principal.ts';
import type { Case } from '../../shared/domain/case.ts';
import { InvalidTransition, transitions } from '../../shared/domain/case-commands.ts';
import { contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import { NotFound, NotInTeam, StateConflict, ValidationFailed } from '../../shared/domain/errors.ts';
import type { BroadcastStore } from '../../shared/domain/known-issue-ports.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';
import {
  flaggedVerdict,
  type Problem,
  type ProblemStatus,
  type PublicFields,
  publicFieldIssues,
} from '../../shared/domain/problem.ts';
import type { LinkedCase, ProblemStore } from '../../shared/domain/staff-ports.ts';
import { type ProblemResolved, problemResolved } from '../../shared/events/problem-resolved.ts';
import { decodeCursor, encodeCursor } from '../../shared/pagination.ts';
import { problemStatusKey } from '../../shared/repository/problem-item.ts';
import { type CaseDeps, changeCase, loadAuthorized, type ResolutionActions } from '../cases/case-changes.ts';
import { broadcastJobOf } from './broadcast.ts';
import { checkDueAt } from './impact.ts';

export interface ProblemDeps extends CaseDeps {
  problems: ProblemStore;
  /** Where a resolution's broadcast to subscribers and stakeholders is armed (core/problems/broadcast.ts). */
  broadcasts: BroadcastStore;
  newId: () => string;
}

const staff = (principal: Principal) => ({ kind: 'staff', principal }) as const;

/** The linked cases the caller may see: their teams' (an admin's: all). */
const visibleTo = (principal: Principal, linked: readonly LinkedCase[]) =>
  linked.filter((l) => canAccessTeam(principal, l.teamId)).map((l) => l.caseId);

/** The problem's linked case ids that `principal` may see. */
export async function visibleCaseIds(problemId: string, principal: Principal, deps: ProblemDeps) {
  return visibleTo(principal, await deps.problems.linkedCases(problemId));
}

export async function createProblem(
  input: { title: string; description: string; customerMessage?: string } & PublicFields,
  principal: Principal,
  deps: ProblemDeps,
): Promise<Problem> {
  const issues = publicFieldIssues(
    input,
    deps.config.sites.map((s) => s.id),
  );
  if (issues.length > 0) throw new ValidationFailed(issues);
  const at = deps.clock.now().toISOString();
  const problem: Problem = {
    problemId: `prb_${deps.newId().replace(/-/g, '')}`,
    title: input.title,
    description: input.description,
    ...(input.customerMessage ? { customerMessage: input.customerMessage } : {}),
    ...(input.public !== undefined ? { public: input.public } : {}),
    ...(input.publicTitle ? { publicTitle: input.publicTitle } : {}),
    ...(input.publicMessage ? { publicMessage: input.publicMessage } : {}),
    ...(input.publicSiteIds?.length ? { publicSiteIds: [...input.publicSiteIds] } : {}),
    status: 'open',
    version: 1,
    createdAt: at,
    createdBy: `staff:${principal.memberId}`,
    updatedAt: at,
    resolutions: 0,
    touchpoints: [],
    teams: [],
    siteIds: [],
  };
  if (!(await deps.problems.create(problem))) throw new Error(`problem id ${problem.problemId} exists`);
  return problem;
}

async function problemOf(problemId: string, deps: ProblemDeps): Promise<Problem> {
  const problem = await deps.problems.get(problemId);
  if (problem === undefined) throw new NotFound('problem', problemId);
  return problem;
}

export async function getProblem(problemId: string, principal: Principal, deps: ProblemDeps) {
  const problem = await problemOf(problemId, deps);
  return { problem, caseIds: await visibleCaseIds(problemId, principal, deps) };
}

/**
 * Links cases to an open problem: each case gets `problemId` and a `note` event (data.kind
 * `problem_linked`) with the link item, in one transaction per case. Checked first for every case
 * (exists → 404, the caller's team → 403, not closed and not another problem's → 409), so a bad
 * id changes nothing; linking a case again is a no-op.
 */
export async function linkCases(
  problemId: string,
  caseIds: readonly string[],
  principal: Principal,
  deps: ProblemDeps,
): Promise<{ problem: Problem; linked: string[]; alreadyLinked: string[] }> {
  const problem = await problemOf(problemId, deps);
  if (problem.status !== 'open') {
    throw new StateConflict('problem_resolved', `problem ${problemId} is resolved; reopen it first`);
  }
  const cases: Case[] = [];
  for (const caseId of caseIds) cases.push((await loadAuthorized(deps, caseId, staff(principal))).case);
  for (const c of cases) {
    if (c.problemId !== undefined && c.problemId !== problemId) {
      throw new StateConflict('already_linked', `case ${c.caseId} is linked to problem ${c.problemId}`, {
        caseId: c.caseId,
        problemId: c.problemId,
      });
    }
    if (c.problemId !== problemId && !transitions.notes.from.includes(c.status)) {
      throw new InvalidTransition('notes', c.status);
    }
  }
  const linked: string[] = [];
  const alreadyLinked: string[] = [];
  for (const c of cases) {
    const contact = c.problemId === problemId ? undefined : await deps.cases.contact(c.feedbackId);
    const outcome = await changeCase(
      {
        caseId: c.caseId,
        input: {
          action: 'link',
          problemId,
          title: problem.title,
          // Who the case is about, as the hash the contact items use: counts customers, holds no address.
          ...(contact ? { customerRef: contactIdOf(contactRefOf(c.siteId, contact.email)) } : {}),
        },
        requester: staff(principal),
      },
      deps,
    );
    (outcome.changed ? linked : alreadyLinked).push(c.caseId);
  }
  return { problem, linked, alreadyLinked };
}

const working = transitions.resolve.from;

/**
 * Resolves the problem and every linked case that is still being worked on, each in its own
 * transaction (state + `resolved` event + the customer's `customer_problem_resolved` notice +
 * attainment counters), conditional on the version read: a case that moved meanwhile is read
 * again, one resolved meanwhile is skipped. Running it again (after a crash half-way, or when a
 * case was linked late) resolves what is left and nothing twice.
 */
export async function resolveProblem(
  problemId: string,
  input: { customerMessage?: string; actions?: ResolutionActions },
  principal: Principal,
  deps: ProblemDeps,
): Promise<{ problem: Problem; resolved: string[]; skipped: { caseId: string; status: Case['status'] }[] }> {
  let problem = await problemOf(problemId, deps);
  const customerMessage = input.customerMessage ?? problem.customerMessage;
  if (!customerMessage) {
    throw new ValidationFailed([
      { path: 'customerMessage', message: 'is required (the problem has no customerMessage)' },
    ]);
  }
  const linked = await deps.problems.linkedCases(problemId);
  const visible = new Set(visibleTo(principal, linked));
  // Every case that will change must be the caller's to change, before anything changes.
  const cases: Case[] = [];
  for (const { caseId } of linked) {
    const loaded = await deps.cases.load(caseId);
    if (loaded === undefined) continue;
    if (working.includes(loaded.case.status)) {
      await loadAuthorized(deps, caseId, staff(principal));
    }
    cases.push(loaded.case);
  }

  const at = deps.clock.now().toISOString();
  const needsUpdate = problem.status !== 'resolved' || customerMessage !== problem.customerMessage;
  if (needsUpdate) {
    const next: Problem = {
      ...problem,
      status: 'resolved',
      customerMessage,
      version: problem.version + 1,
      updatedAt: at,
      resolvedAt: problem.status === 'resolved' ? (problem.resolvedAt ?? at) : at,
      resolvedBy: `staff:${principal.memberId}`,
      resolutions: problem.status === 'resolved' ? problem.resolutions : problem.resolutions + 1,
    };
    const newlyResolved = problem.status !== 'resolved';
    // Its broadcast to subscribers and stakeholders is written with it; the minute job sends it
    // (core/problems/broadcast.ts).
    const changes = input.actions ? [...input.actions.internal, ...input.actions.external] : [];
    const broadcast = newlyResolved
      ? await broadcastJobOf(problem, cases, working, { customerMessage, changes }, deps)
      : undefined;
    // A new resolution (not a changed message) tells the bus and schedules its fix's check, in the
    // problem's own write.
    const result = await deps.problems.update(
      problemId,
      problem.version,
      next,
      newlyResolved
        ? {
            check: { problemId, dueAt: checkDueAt(at, deps.config), resolution: next.resolutions },
            ...(broadcast ? { broadcast } : {}),
            outbox: [problemResolvedEvent(next, at)],
          }
        : {},
    );
    if (result === 'stale') {
      throw new StateConflict('problem_changed', `problem ${problemId} changed meanwhile; try again`);
    }
    problem = next;
  }

  const resolved: string[] = [];
  const skipped: { caseId: string; status: Case['status'] }[] = [];
  for (const c of cases) {
    if (!working.includes(c.status)) {
      // Another team's closed case is not the caller's to see, even by id.
      if (visible.has(c.caseId)) skipped.push({ caseId: c.caseId, status: c.status });
      continue;
    }
    try {
      await changeCase(
        {
          caseId: c.caseId,
          input: {
            action: 'resolve',
            customerMessage,
            rootCause: problem.description,
            actions: input.actions ?? { internal: [], external: [] },
            problem: { problemId, title: problem.title },
          },
          requester: staff(principal),
          require: (now) => {
            if (now.problemId !== problemId) throw new InvalidTransition('resolve', now.status);
          },
        },
        deps,
      );
      resolved.push(c.caseId);
    } catch (error) {
      if (!(error instanceof InvalidTransition)) throw error;
      const now = await deps.cases.load(c.caseId);
      skipped.push({ caseId: c.caseId, status: now?.case.status ?? c.status });
    }
  }
  return { problem, resolved, skipped };
}

function problemResolvedEvent(p: Problem, at: string): OutboxEntry {
  const event: ProblemResolved = {
    type: 'problem.resolved',
    version: 1,
    problemId: p.problemId,
    title: p.title,
    resolution: p.resolutions,
    resolvedBy: p.resolvedBy ?? 'system',
    resolvedAt: at,
  };
  const id = `event:${problemResolved.name}:${p.problemId}:r${p.resolutions}`;
  return { id, target: 'bus', message: event };
}

/**
 * Reopens a resolved problem, so cases can be linked and it can be resolved again. Its cases stay
 * as they are (reopen them one by one where the fix did not hold). Only its creator, a member of
 * every team with a linked case, or an admin may (403 otherwise, nothing written).
 */
export async function reopenProblem(
  problemId: string,
  principal: Principal,
  deps: ProblemDeps,
): Promise<Problem> {
  const problem = await problemOf(problemId, deps);
  const linked = await deps.problems.linkedCases(problemId);
  const creator = problem.createdBy === `staff:${principal.memberId}`;
  if (!creator && !linked.every((l) => canAccessTeam(principal, l.teamId))) {
    throw new NotInTeam(
      'only the creator, a member of every linked team or an admin may reopen this problem',
    );
  }
  if (problem.status !== 'resolved') {
    throw new StateConflict('invalid_transition', `problem ${problemId} is ${problem.status}`, {
      status: problem.status,
    });
  }
  const at = deps.clock.now().toISOString();
  // resolvedAt / resolvedBy stay: they name the last resolution.
  const next: Problem = { ...problem, status: 'open', version: problem.version + 1, updatedAt: at };
  if ((await deps.problems.update(problemId, problem.version, next)) === 'stale') {
    throw new StateConflict('problem_changed', `problem ${problemId} changed meanwhile; try again`);
  }
  return next;
}

export interface ListProblemsInput {
  status?: ProblemStatus;
  cursor?: string;
  limit?: number;
}

/** A problems list row: the problem and what its links add up to (counts only, no case ids). */
export interface ProblemSummary {
  problem: Problem;
  caseCount: number;
  /** Distinct customer addresses among the linked cases. */
  customerCount: number;
  /** The fix check said `worse` or `no_change`: staff should look again. */
  flagged: boolean;
}

export const DEFAULT_PROBLEM_PAGE = 20;

/** Where a problems listing stopped: the status (index into `order`) and the index key. */
const problemCursor = z.strictObject({
  s: z.number().check(z.int(), z.gte(0)),
  k: z.optional(z.record(z.string(), z.string())),
});

/**
 * `GET /v1/problems`: one status's problems (both: open first), newest first. A problem belongs to
 * no team, so every staff member sees the list; counts come from the links, which name no case
 * the caller may not see.
 */
export async function listProblems(
  input: ListProblemsInput,
  deps: ProblemDeps,
): Promise<{ items: ProblemSummary[]; cursor: string | null }> {
  const order: ProblemStatus[] = input.status ? [input.status] : ['open', 'resolved'];
  const limit = input.limit ?? DEFAULT_PROBLEM_PAGE;
  let at = input.cursor
    ? decodeCursor(input.cursor, problemCursor, (c) => {
        const status = order[c.s];
        return status !== undefined && (!c.k || c.k.problemStatus === problemStatusKey(status));
      })
    : { s: 0 };
  const problems: Problem[] = [];
  while (at.s < order.length && problems.length < limit) {
    const page = await deps.problems.byStatus({
      status: order[at.s] as ProblemStatus,
      limit: limit - problems.length,
      ...(at.k ? { startKey: at.k } : {}),
    });
    problems.push(...page.items);
    at = page.lastKey ? { s: at.s, k: page.lastKey } : { s: at.s + 1 };
  }
  const items = await Promise.all(
    problems.map(async (problem) => {
      const links = await deps.problems.linkedCases(problem.problemId);
      const customers = new Set(links.flatMap((l) => (l.customerRef ? [l.customerRef] : [])));
      return {
        problem,
        caseCount: links.length,
        customerCount: customers.size,
        flagged: flaggedVerdict(problem.verification),
      };
    }),
  );
  return { items, cursor: at.s < order.length ? encodeCursor(at) : null };
}
