/**
 * Did the fix work? (docs/design.md#did-the-fix-work) `GET /v1/problems/{id}/impact` compares the
 * problem's touchpoints in `windowWeeks` whole ISO weeks before its resolution week with as many
 * after it (the resolution week mixes both and is left out), from the weekly touchpoint counters.
 * At the follow-up point the minute job records the verdict on the problem, tells its owners and,
 * as configured, reopens it.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { NotFound } from '../../shared/domain/errors.ts';
import { figuresOf, verdictOf, type WindowTally } from '../../shared/domain/impact.ts';
import { noticeEntry, type OutboxEntry } from '../../shared/domain/outbox.ts';
import type { Problem, ProblemVerification } from '../../shared/domain/problem.ts';
import type { MetricsReader, ProblemCheck, ProblemStore } from '../../shared/domain/staff-ports.ts';
import { DAY_MS, isoWeekOf } from '../../shared/domain/time.ts';
import { type NoticeRequested, noticeIdOf } from '../../shared/events/notice-requested.ts';
import { type ProblemVerified, problemVerified } from '../../shared/events/problem-verified.ts';
import { logger } from '../../shared/observability.ts';
import { mondayOfWeek, reportingZone, sumByKey } from '../insights/metrics.ts';

export interface ImpactDeps {
  problems: ProblemStore;
  metrics: MetricsReader;
  clock: Clock;
  config: Config;
}

const WEEK_MS = 7 * DAY_MS;
/** A day past the UTC Monday: every zone's week has ended by then. */
const ZONE_SLACK_MS = DAY_MS;

const weekAt = (t: number) => isoWeekOf(new Date(t + 3 * DAY_MS), 'UTC');

/** `count` whole weeks starting `offset` weeks after the week of `anchor` (negative: before). */
function weeksFrom(anchorWeek: string, offset: number, count: number): string[] {
  const monday = mondayOfWeek(anchorWeek);
  return Array.from({ length: count }, (_, i) => weekAt(monday + (offset + i) * WEEK_MS));
}

/** When a resolution's after window has closed everywhere. */
export function afterWindowEnd(resolvedAt: string, config: Config): number {
  const week = isoWeekOf(new Date(resolvedAt), reportingZone(config));
  const weeks = config.problems.verification.windowWeeks;
  return mondayOfWeek(week) + (weeks + 1) * WEEK_MS + ZONE_SLACK_MS;
}

/** When the verification of a resolution runs: the follow-up point, or the window's end if later. */
export function checkDueAt(resolvedAt: string, config: Config): string {
  const followUp = Date.parse(resolvedAt) + config.problems.verification.afterDays * DAY_MS;
  return new Date(Math.max(followUp, afterWindowEnd(resolvedAt, config))).toISOString();
}

async function tallyOf(weeks: readonly string[], touchpoints: ReadonlySet<string>, deps: ImpactDeps) {
  const t: WindowTally = { n: 0, negative: 0, npsCount: 0, npsPromoters: 0, npsDetractors: 0 };
  const perWeek = await Promise.all(weeks.map((w) => deps.metrics.week('touchpoint', w)));
  for (const [key, sums] of sumByKey(perWeek.flat())) {
    if (!touchpoints.has(key)) continue;
    t.n += sums.responses ?? 0;
    t.negative += sums.negative ?? 0;
    t.npsCount += sums.npsCount ?? 0;
    t.npsPromoters += sums.npsPromoters ?? 0;
    t.npsDetractors += sums.npsDetractors ?? 0;
  }
  return t;
}

/** The before/after comparison of a problem as of now (an open problem: before the current week, nothing after). */
export async function impactOf(problem: Problem, deps: ImpactDeps) {
  const { windowWeeks } = deps.config.problems.verification;
  const now = deps.clock.now();
  const zone = reportingZone(deps.config);
  const resolved = problem.status === 'resolved' && problem.resolvedAt !== undefined;
  const anchor = isoWeekOf(resolved ? new Date(problem.resolvedAt as string) : now, zone);
  const touchpoints = new Set(problem.touchpoints);
  const beforeWeeks = weeksFrom(anchor, -windowWeeks, windowWeeks);
  const afterWeeks = weeksFrom(anchor, 1, windowWeeks);
  const before = await tallyOf(beforeWeeks, touchpoints, deps);
  const after = resolved ? await tallyOf(afterWeeks, touchpoints, deps) : { ...before, n: 0, negative: 0 };
  const afterClosed = resolved && now.getTime() >= afterWindowEnd(problem.resolvedAt as string, deps.config);
  const window = (weeks: string[], t: WindowTally) => ({
    from: weeks[0] as string,
    to: weeks[weeks.length - 1] as string,
    ...figuresOf(t),
  });
  return {
    problemId: problem.problemId,
    touchpoints: [...touchpoints],
    ...(resolved ? { resolvedAt: problem.resolvedAt as string } : {}),
    windowWeeks,
    before: window(beforeWeeks, before),
    after: window(
      afterWeeks,
      resolved ? after : { n: 0, negative: 0, npsCount: 0, npsPromoters: 0, npsDetractors: 0 },
    ),
    ...verdictOf(before, after, afterClosed),
  };
}
export type Impact = Awaited<ReturnType<typeof impactOf>>;

/** `GET /v1/problems/{id}/impact`: any staff member, as the problem itself (touchpoint figures are not per team). */
export async function problemImpact(problemId: string, deps: ImpactDeps): Promise<Impact> {
  const problem = await deps.problems.get(problemId);
  if (problem === undefined) throw new NotFound('problem', problemId);
  return impactOf(problem, deps);
}

/** Who hears a verification: the problem's creator and resolver, and the leads of its teams. */
function ownersOf(problem: Problem, config: Config): NoticeRequested['to'] {
  const memberIds = new Set(
    [problem.createdBy, problem.resolvedBy]
      .filter((a): a is string => !!a)
      .map((a) => a.replace(/^staff:/, '')),
  );
  for (const team of config.teams)
    if (problem.teams.includes(team.id) && team.leadId) memberIds.add(team.leadId);
  const to: NoticeRequested['to'] = [];
  const seen = new Set<string>();
  for (const team of config.teams) {
    for (const m of team.members) {
      if (!memberIds.has(m.id) || seen.has(m.id)) continue;
      seen.add(m.id);
      to.push({ email: m.email, name: m.name, locale: m.locale, memberId: m.id });
    }
  }
  return to;
}

export interface VerifyResult {
  verified: { problemId: string; verdict: ProblemVerification['verdict']; reopened: boolean }[];
  dropped: number;
}

/**
 * The minute job's part: every due check runs once. A check whose resolution is no longer the
 * problem's (reopened, resolved again) or was already recorded is dropped. The verdict, the
 * owners' notice and a configured reopening are one conditional write; the check is dropped
 * after it, so a crash in between only makes the next run drop it.
 */
export async function verifyDueProblems(deps: ImpactDeps, limit = 25): Promise<VerifyResult> {
  const now = deps.clock.now();
  const result: VerifyResult = { verified: [], dropped: 0 };
  for (const check of await deps.problems.dueChecks(now.toISOString(), limit)) {
    try {
      const outcome = await verifyOne(check, deps);
      if (outcome) result.verified.push(outcome);
      else result.dropped += 1;
      await deps.problems.dropCheck(check);
    } catch (error) {
      // It stays due: the next minute tries again.
      logger.error('problem verification failed', { problemId: check.problemId, error: error as Error });
    }
  }
  return result;
}

async function verifyOne(check: ProblemCheck, deps: ImpactDeps) {
  const problem = await deps.problems.get(check.problemId);
  if (
    problem === undefined ||
    problem.status !== 'resolved' ||
    problem.resolutions !== check.resolution ||
    problem.verification?.resolution === check.resolution
  ) {
    return undefined;
  }
  const impact = await impactOf(problem, deps);
  const at = deps.clock.now();
  const reopen = (deps.config.problems.verification.reopenOn as readonly string[]).includes(impact.verdict);
  const verification: ProblemVerification = {
    at: at.toISOString(),
    resolution: check.resolution,
    verdict: impact.verdict,
    change: impact.change,
    pValue: impact.pValue,
  };
  const to = ownersOf(problem, deps.config);
  const notice: NoticeRequested | undefined =
    to.length === 0
      ? undefined
      : {
          type: 'notice.requested',
          version: 1,
          noticeId: noticeIdOf(
            `problem:${problem.problemId}`,
            'staff_problem_verification',
            String(check.resolution),
          ),
          kind: 'staff_problem_verification',
          audience: 'staff',
          step: String(check.resolution),
          to,
          data: {
            problemId: problem.problemId,
            title: problem.title,
            resolvedAt: problem.resolvedAt,
            verdict: impact.verdict,
            touchpoints: impact.touchpoints,
            before: impact.before,
            after: impact.after,
            change: impact.change,
            pValue: impact.pValue,
            reopened: reopen,
            timeZone: reportingZone(deps.config),
          },
          requestedAt: at.toISOString(),
        };
  const next: Problem = {
    ...problem,
    verification,
    version: problem.version + 1,
    updatedAt: at.toISOString(),
    ...(reopen ? { status: 'open' as const } : {}),
  };
  const verified: ProblemVerified = {
    type: 'problem.verified',
    version: 1,
    problemId: problem.problemId,
    resolution: check.resolution,
    verdict: impact.verdict,
    change: impact.change,
    pValue: impact.pValue,
    reopened: reopen,
    verifiedAt: verification.at,
  };
  const event: OutboxEntry = {
    id: `event:${problemVerified.name}:${problem.problemId}:r${check.resolution}`,
    target: 'bus',
    message: verified,
  };
  const written = await deps.problems.update(problem.problemId, problem.version, next, {
    outbox: [event, ...(notice ? [noticeEntry(notice)] : [])],
    at,
  });
  // A change meanwhile: the check stays due, and the next run reads the problem again.
  if (written === 'stale') throw new Error(`problem ${problem.problemId} changed meanwhile`);
  return { problemId: problem.problemId, verdict: impact.verdict, reopened: reopen };
}
