import { noticeEntry, type OutboxEntry } from '../../shared/domain/outbox.ts';
/**
 * The weekly team digest (docs/design.md#weekly-digest): for each team, the ISO week that just ended on
 * the team's calendar (its IANA zone), one `staff_weekly_digest` notice to the team lead, the
 * manager and the team inbox with:
 *
 * - cases: new that week (the team counter's `cases`, counted in the week the feedback arrived, as
 *   `GET /v1/metrics` counts them), open now and overdue now (the cases-by-team index);
 * - the team's NPS / CSAT that week (its team counter) and NPS / CSAT by touchpoint and the top
 *   reasons, which are **every team's** (the touchpoint and reason counters are not kept per team;
 *   the notice says `scope: all_teams` and the email labels them so);
 * - the ask figures of the touchpoints that asked anyone (`askedTouchpoints`), every team's too;
 * - SLA attainment of the team's cases of that week against `config.sla.targets`.
 *
 * The numbers come from `summarize` / `sumByKey` (core/insights/metrics.ts), the same arithmetic
 * as the metrics API. The notice id is `noticeIdOf('digest:<teamId>', 'staff_weekly_digest',
 * '<yyyy-Www>')`, and its outbox item is written with a conditional put: a rerun of the same week
 * (an overlapping schedule, a retry, the local stack's per-minute job) queues nothing, and notify
 * sends a noticeId at most once anyway. Pure but for the ports.
 */

import type { Config } from '../../shared/config/schema.ts';
import type { DigestCaseReader, DigestOutbox, OpenCaseFacts } from '../../shared/domain/digest-ports.ts';
import type { MetricsReader } from '../../shared/domain/staff-ports.ts';
import {
  DAY_MS,
  isoWeekOf,
  localDate,
  localMidnight,
  MINUTE_MS,
  wallClock,
} from '../../shared/domain/time.ts';
import { type NoticeRequested, noticeIdOf } from '../../shared/events/notice-requested.ts';
import type { NoticeData } from '../../shared/notices/templates.ts';
import { type MetricsGroup, sumByKey, summarize } from './metrics.ts';

export interface DigestDeps {
  config: Config;
  metrics: MetricsReader;
  cases: DigestCaseReader;
  outbox: DigestOutbox;
}

export interface DigestOptions {
  /** Only these teams (default: every configured team). */
  teamIds?: readonly string[];
}

export interface TeamDigestResult {
  teamId: string;
  week: string;
  noticeId: string;
  outcome: 'queued' | 'exists';
}

/**
 * Overdue: not acknowledged by `acknowledgeBy` (open, reopened), or acknowledged and not resolved by
 * `resolveBy`. A case waiting on the customer is not (its resolve clock stands still), as in
 * `GET /v1/cases?overdue=true`.
 */
export function isOverdue(c: OpenCaseFacts, now: Date): boolean {
  const at = now.toISOString();
  if (c.status === 'open' || c.status === 'reopened') return c.acknowledgeBy < at;
  if (c.status === 'acknowledged') return c.resolveBy < at;
  return false;
}

export interface DigestWeek {
  /** `yyyy-Www`. */
  week: string;
  /** Monday 00:00 of that week in the zone (ISO instant), inclusive. */
  from: string;
  /** The next Monday 00:00 in the zone (ISO instant), exclusive. */
  to: string;
}

/** The ISO week that ended last before `now` on a calendar in `timeZone` (calendar-day arithmetic, DST-proof). */
export function weekJustEnded(now: Date, timeZone: string): DigestWeek {
  const [y, m, d] = localDate(now, timeZone).split('-').map(Number) as [number, number, number];
  const today = Date.UTC(y, m - 1, d);
  const weekday = new Date(today).getUTCDay() || 7; // Monday 1 … Sunday 7
  const monday = today - (weekday - 1) * DAY_MS;
  const previousMonday = monday - 7 * DAY_MS;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return {
    week: isoWeekOf(new Date(previousMonday + 3 * DAY_MS), 'UTC'),
    from: localMidnight(day(previousMonday), timeZone).toISOString(),
    to: localMidnight(day(monday), timeZone).toISOString(),
  };
}

/** `MetricsGroup` attainment keys, in the order the digest lists them. */
const attainmentMetrics = [
  'acknowledgedWithin2h',
  'acknowledgedWithin6h',
  'closedWithin48h',
  'loopClosedWithin72h',
] as const;

/** How many touchpoints and reasons a digest lists at most. */
export const MAX_TOUCHPOINTS = 20;
export const MAX_REASONS = 10;

type Team = Config['teams'][number];

/** Lead, manager and the team inbox, each address once. */
export function digestRecipients(team: Team): NoticeRequested['to'] {
  const to: NoticeRequested['to'] = [];
  const seen = new Set<string>();
  const add = (r: NoticeRequested['to'][number]) => {
    const key = r.email.trim().toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    to.push(r);
  };
  for (const id of [team.leadId, team.managerId]) {
    const m = team.members.find((x) => x.id === id);
    if (m) add({ email: m.email, name: m.name, locale: m.locale, memberId: m.id });
  }
  add({ email: team.inboxEmail, name: team.name });
  return to;
}

/**
 * The touchpoints that emailed a survey invitation or showed a widget prompt that week, most asked
 * first: a touchpoint that asked nobody has no rate to read, only a row of zeros.
 */
export function askedTouchpoints(
  touchpoints: readonly MetricsGroup[],
): NonNullable<NoticeData<'staff_weekly_digest'>['asks']> {
  return touchpoints
    .filter((t) => t.invited > 0 || t.prompted > 0)
    .sort((a, b) => b.invited - a.invited || b.prompted - a.prompted || (a.key < b.key ? -1 : 1))
    .slice(0, MAX_TOUCHPOINTS)
    .map((t) => ({
      touchpoint: t.key,
      invited: t.invited,
      opened: t.opened,
      answered: t.answered,
      responseRate: t.responseRate,
      prompted: t.prompted,
      promptResponseRate: t.promptResponseRate,
    }));
}

/** The notice data of one team's week (pure). */
export function digestData(input: {
  team: Team;
  timeZone: string;
  week: DigestWeek;
  teamGroup: MetricsGroup | undefined;
  touchpoints: MetricsGroup[];
  reasons: MetricsGroup[];
  open: readonly OpenCaseFacts[];
  now: Date;
  targets: Config['sla']['targets'];
}): NoticeData<'staff_weekly_digest'> {
  const g = input.teamGroup;
  const byResponses = (a: MetricsGroup, b: MetricsGroup) =>
    b.responses - a.responses || (a.key < b.key ? -1 : 1);
  return {
    teamId: input.team.id,
    teamName: input.team.name,
    week: input.week.week,
    from: input.week.from,
    // Shown as the last minute of the week (Sunday 23:59), not the next Monday.
    to: new Date(Date.parse(input.week.to) - MINUTE_MS).toISOString(),
    timeZone: input.timeZone,
    counts: {
      new: g?.cases ?? 0,
      open: input.open.length,
      overdue: input.open.filter((c) => isOverdue(c, input.now)).length,
    },
    team: { responses: g?.responses ?? 0, nps: g?.nps ?? null, csat: g?.csat ?? null },
    scope: 'all_teams',
    byTouchpoint: input.touchpoints
      // A touchpoint that only asked (invitations, prompts) has no NPS / CSAT row to show.
      .filter((t) => t.responses > 0)
      .sort(byResponses)
      .slice(0, MAX_TOUCHPOINTS)
      .map((t) => ({ touchpoint: t.key, responses: t.responses, nps: t.nps, csat: t.csat })),
    asks: askedTouchpoints(input.touchpoints),
    attainment: attainmentMetrics.map((metric) => ({
      metric,
      actual: g?.[metric] ?? null,
      target: input.targets[metric],
    })),
    topReasons: [...input.reasons]
      .sort(byResponses)
      .slice(0, MAX_REASONS)
      .map((r) => ({ reason: r.key, count: r.responses })),
  };
}

const teamZone = (team: Team, config: Config) =>
  config.calendars.find((c) => c.id === team.calendarId)?.timeZone ?? 'UTC';

/** The digest notice of one team and week (its id and outbox entry are what make a rerun a no-op). */
export function digestNotice(
  team: Team,
  data: NoticeData<'staff_weekly_digest'>,
  requestedAt: Date,
): OutboxEntry {
  const notice: NoticeRequested = {
    type: 'notice.requested',
    version: 1,
    noticeId: noticeIdOf(`digest:${team.id}`, 'staff_weekly_digest', data.week),
    kind: 'staff_weekly_digest',
    audience: 'staff',
    step: data.week,
    to: digestRecipients(team),
    data,
    requestedAt: requestedAt.toISOString(),
  };
  return noticeEntry(notice);
}

/** Queues one digest per team for the week that just ended on its calendar. */
export async function sendWeeklyDigests(
  now: Date,
  deps: DigestDeps,
  opts: DigestOptions = {},
): Promise<TeamDigestResult[]> {
  const teams = deps.config.teams.filter((t) => opts.teamIds === undefined || opts.teamIds.includes(t.id));
  // Counter partitions are per week, and teams on one zone share a week: read each once.
  const weekGroups = new Map<string, Promise<Record<string, MetricsGroup[]>>>();
  const groupsOf = (week: string) => {
    let found = weekGroups.get(week);
    if (found === undefined) {
      found = (async () => {
        const [team, touchpoint, reason] = await Promise.all(
          (['team', 'touchpoint', 'reason'] as const).map(async (dim) =>
            [...sumByKey(await deps.metrics.week(dim, week))].map(([key, t]) => summarize(key, t)),
          ),
        );
        return { team: team ?? [], touchpoint: touchpoint ?? [], reason: reason ?? [] };
      })();
      weekGroups.set(week, found);
    }
    return found;
  };
  const results: TeamDigestResult[] = [];
  for (const team of teams) {
    const timeZone = teamZone(team, deps.config);
    const week = weekJustEnded(now, timeZone);
    const [groups, open] = await Promise.all([groupsOf(week.week), deps.cases.openCases(team.id)]);
    const data = digestData({
      team,
      timeZone,
      week,
      teamGroup: groups.team?.find((g) => g.key === team.id),
      touchpoints: groups.touchpoint ?? [],
      reasons: groups.reason ?? [],
      open,
      now,
      targets: deps.config.sla.targets,
    });
    const entry = digestNotice(team, data, now);
    const outcome = await deps.outbox.queue(entry, now);
    results.push({
      teamId: team.id,
      week: week.week,
      noticeId: (entry.message as NoticeRequested).noticeId,
      outcome,
    });
  }
  return results;
}

/**
 * The teams whose calendar shows Monday `hh:mm` at `now` (the local stack runs the digest for
 * them in that virtual minute; in AWS a weekly EventBridge cron runs it for every team).
 */
export function teamsAtLocalTime(
  now: Date,
  config: Config,
  at = { weekday: 1, hour: 9, minute: 0 },
): string[] {
  return config.teams
    .filter((team) => {
      const tz = teamZone(team, config);
      const wall = wallClock(now, tz);
      return (
        (wall.getUTCDay() || 7) === at.weekday &&
        wall.getUTCHours() === at.hour &&
        wall.getUTCMinutes() === at.minute
      );
    })
    .map((t) => t.id);
}
