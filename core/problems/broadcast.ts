/**
 * The broadcast when a problem is resolved (docs/known-issues.md#the-broadcast): besides the
 * linked customers, told through their cases (core/problems/problems.ts), every confirmed
 * subscriber of the known-issues page gets `customer_problem_resolved`, and the stakeholder teams
 * of the config get `staff_problem_resolved` in their inboxes. Each address once: a subscriber
 * who is also a linked customer is told through the case only.
 *
 * Durable and resumable: resolving writes one job per resolution (`broadcastJobOf`) in the
 * problem's own conditional write, so a resolution never goes without it and a resolve that lost
 * its race leaves none; the minute job works it
 * (`runBroadcasts`): the staff mails, then the subscribers a page at a time, each page's mails
 * put in the outbox with ids made of the problem, the resolution and the contact hash, then the
 * job's cursor moved on (on condition it did not move meanwhile). A run that dies half-way leaves
 * the cursor at the last page it finished; the next run puts that page again, finds its outbox
 * items and queues nothing twice, and the notice claims (core/notices/deliver.ts) send each once.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Case } from '../../shared/domain/case.ts';
import { type ContactRef, contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import type { BroadcastJob, BroadcastStore, Subscription } from '../../shared/domain/known-issue-ports.ts';
import type { Problem } from '../../shared/domain/problem.ts';
import type { ProblemStore } from '../../shared/domain/staff-ports.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { subscriptionIdOf } from '../../shared/repository/known-issue-item.ts';

export interface BroadcastDeps {
  broadcasts: BroadcastStore;
  problems: Pick<ProblemStore, 'get'>;
  config: Pick<Config, 'sites' | 'teams' | 'stakeholders'>;
  clock: Clock;
  /** Subscribers per page (default 100): one Query, one BatchGetItem, that many outbox puts. */
  pageSize?: number;
}

/** The customer notice id of one subscriber's mail: one per address per resolution, whatever the site. */
export const subscriberNoticeId = (problemId: string, resolution: number, hash: string) =>
  `problem:${problemId}:customer_problem_resolved:r${resolution}:${hash}`;

export const stakeholderNoticeId = (problemId: string, resolution: number, teamId: string) =>
  `problem:${problemId}:staff_problem_resolved:r${resolution}:${teamId}`;

/**
 * The broadcast of the problem's next resolution, to be written with it. `cases` are its linked
 * cases as read for the resolution: those still being worked on (`working`) will tell their
 * customers, so those addresses are not mailed again as subscribers.
 */
export async function broadcastJobOf(
  problem: Problem,
  cases: readonly Case[],
  working: readonly Case['status'][],
  input: { customerMessage: string; changes: string[] },
  deps: Pick<BroadcastDeps, 'broadcasts' | 'clock'>,
): Promise<BroadcastJob> {
  const told = cases.filter((c) => working.includes(c.status) && c.contactConsent === true);
  const skip = new Set<string>();
  for (const c of told) {
    const email = await deps.broadcasts.customerAddressOf(c.caseId);
    if (email) skip.add(contactRefOf(c.siteId ?? '', email).hash);
  }
  const touchpoints = new Set<string>(problem.touchpoints);
  for (const c of cases) touchpoints.add(c.touchpoint);
  const job: BroadcastJob = {
    problemId: problem.problemId,
    resolution: problem.resolutions + 1,
    message: input.customerMessage,
    changes: input.changes,
    touchpoints: [...touchpoints].sort(),
    categories: [...new Set(cases.map((c) => c.category))].sort(),
    affectedCases: cases.length,
    customersTold: skip.size,
    skip: [...skip],
    createdAt: deps.clock.now().toISOString(),
  };
  return job;
}

export interface BroadcastRunResult {
  jobs: number;
  finished: number;
  staffNotices: number;
  subscriberNotices: number;
}

/** The minute job's part: works every armed broadcast until done or `shouldStop`. */
export async function runBroadcasts(
  deps: BroadcastDeps,
  shouldStop: () => boolean = () => false,
): Promise<BroadcastRunResult> {
  const result: BroadcastRunResult = { jobs: 0, finished: 0, staffNotices: 0, subscriberNotices: 0 };
  for (const job of await deps.broadcasts.pending()) {
    if (shouldStop()) break;
    result.jobs += 1;
    const problem = await deps.problems.get(job.problemId);
    if (problem === undefined) {
      await deps.broadcasts.finish(job);
      continue;
    }
    await runJob(job, problem, deps, shouldStop, result);
  }
  return result;
}

async function runJob(
  armed: BroadcastJob,
  problem: Problem,
  deps: BroadcastDeps,
  shouldStop: () => boolean,
  result: BroadcastRunResult,
): Promise<void> {
  let job = armed;
  const now = () => deps.clock.now();
  if (!job.staffQueued) {
    const notices = stakeholderNotices(job, problem, deps.config, now());
    await deps.broadcasts.queue(notices, now());
    if (!(await deps.broadcasts.advance(job, { staffQueued: true }))) return;
    job = { ...job, staffQueued: true };
    result.staffNotices += notices.length;
  }
  const skip = new Set(job.skip);
  const pageSize = deps.pageSize ?? 100;
  while (!shouldStop()) {
    const page = await deps.broadcasts.subscribers(job.problemId, job.cursor, pageSize);
    const refs: ContactRef[] = page.items.map((s) => ({ siteId: s.siteId, hash: s.hash }));
    const confirmed = refs.length ? await deps.broadcasts.confirmed(refs) : new Set<string>();
    const notices = page.items
      .filter((s) => confirmed.has(contactIdOf({ siteId: s.siteId, hash: s.hash })) && !skip.has(s.hash))
      .map((s) => subscriberNotice(job, problem, s, deps.config, now()));
    await deps.broadcasts.queue(notices, now());
    result.subscriberNotices += notices.length;
    const queued = (job.queued ?? 0) + notices.length;
    if (page.next === undefined) {
      await deps.broadcasts.finish(job);
      result.finished += 1;
      return;
    }
    if (!(await deps.broadcasts.advance(job, { cursor: page.next, queued }))) return;
    job = { ...job, cursor: page.next, queued };
  }
}

/** One confirmed subscriber's mail: the problem's public title and the resolution's message. */
export function subscriberNotice(
  job: BroadcastJob,
  problem: Problem,
  s: Subscription,
  config: Pick<Config, 'sites'>,
  now: Date,
): NoticeRequested {
  const site = config.sites.find((x) => x.id === s.siteId);
  return {
    type: 'notice.requested',
    version: 1,
    noticeId: subscriberNoticeId(job.problemId, job.resolution, s.hash),
    kind: 'customer_problem_resolved',
    audience: 'customer',
    step: `r${job.resolution}`,
    to: [{ email: s.email, ...(s.locale ? { locale: s.locale } : {}) }],
    data: {
      siteId: s.siteId,
      ...(site ? { siteName: site.name } : {}),
      subscriptionId: subscriptionIdOf(job.problemId, { siteId: s.siteId, hash: s.hash }),
      // The subscriber asked for exactly this mail, and confirmed the address (checked again by notify).
      contactConsent: true,
      message: job.message,
      // Only the public face reaches a subscriber: the internal title never leaves the staff side.
      ...(problem.publicTitle ? { problemTitle: problem.publicTitle } : {}),
    },
    requestedAt: now.toISOString(),
  };
}

/** The teams the config names for the job's touchpoints and categories. */
export function stakeholderTeams(
  job: Pick<BroadcastJob, 'touchpoints' | 'categories'>,
  config: Pick<Config, 'stakeholders'>,
): string[] {
  const teams = new Set<string>();
  for (const t of job.touchpoints) for (const id of config.stakeholders.byTouchpoint[t] ?? []) teams.add(id);
  for (const c of job.categories) for (const id of config.stakeholders.byCategory[c] ?? []) teams.add(id);
  return [...teams].sort();
}

export function stakeholderNotices(
  job: BroadcastJob,
  problem: Problem,
  config: Pick<Config, 'teams' | 'stakeholders'>,
  now: Date,
): NoticeRequested[] {
  return stakeholderTeams(job, config).flatMap((teamId) => {
    const team = config.teams.find((t) => t.id === teamId);
    if (!team) return [];
    return [
      {
        type: 'notice.requested' as const,
        version: 1 as const,
        noticeId: stakeholderNoticeId(job.problemId, job.resolution, teamId),
        kind: 'staff_problem_resolved' as const,
        audience: 'staff' as const,
        step: `r${job.resolution}`,
        to: [{ email: team.inboxEmail }],
        data: {
          problemId: job.problemId,
          teamId,
          teamName: team.name,
          title: problem.title,
          rootCause: problem.description,
          changes: job.changes,
          affectedCases: job.affectedCases,
          customersTold: job.customersTold,
          touchpoints: job.touchpoints,
          ...(problem.resolvedAt ? { resolvedAt: problem.resolvedAt } : {}),
        },
        requestedAt: now.toISOString(),
      },
    ];
  });
}
