/**
 * `GET /v1/metrics?from=&to=&groupBy=` (docs/design.md#metrics): the weekly counters triage and the case
 * use cases keep (`METRIC#<dimension>#<yyyy-Www>` / `KEY#<key>#<shard>`), read with one Query per ISO
 * week in the range (never a scan), summed per key, then turned into rates:
 *
 * - `nps` = (promoters − detractors) / NPS answers × 100, one decimal (−100..100);
 * - `csat` = share of CSAT answers that are 4–5 (0..1); `csatAverage`, `ces` = mean scores;
 * - `negativeShare` = negative responses / responses;
 * - `acknowledgedWithin2h` / `6h`, `closedWithin48h` = of the cases opened (a case not yet
 *   acknowledged or resolved counts as a miss); `loopClosedWithin72h` = of the resolved cases whose
 *   customer could be told (contact consent), as shared/domain/attainment.ts counts them;
 * - `ackMinutesP50/P90`, `resolveMinutesP50/P90` from the merged bucket histograms
 *   (shared/domain/histogram.ts documents the error bound).
 * Shares are rounded to 4 decimals, means to 2; `null` where there is no data.
 *
 * Members see every touchpoint, channel and reason (aggregates, no case data) but only their own
 * teams under `groupBy=team`; admins see all.
 */
import type { Principal } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { type Issue, ValidationFailed } from '../../shared/domain/errors.ts';
import { histogramOf, mergeHistograms, percentile } from '../../shared/domain/histogram.ts';
import type { MetricDimension } from '../../shared/domain/metrics.ts';
import type { MetricsReader } from '../../shared/domain/staff-ports.ts';
import { DAY_MS, isoWeekOf, localDate } from '../../shared/domain/time.ts';

export interface MetricsDeps {
  metrics: MetricsReader;
  clock: Clock;
  config: Config;
}

/** At most this many weeks per request (two years and a bit). */
export const MAX_WEEKS = 106;

export const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
export const ratio = (num: number, den: number, digits = 4) => (den > 0 ? round(num / den, digits) : null);

/** The UTC midnight of the Monday of ISO week `yyyy-Www`. */
export function mondayOfWeek(week: string): number {
  const [y, w] = week.split('-W').map(Number) as [number, number];
  const jan4 = Date.UTC(y, 0, 4);
  const jan4Weekday = new Date(jan4).getUTCDay() || 7;
  return jan4 - (jan4Weekday - 1) * DAY_MS + (w - 1) * 7 * DAY_MS;
}

const weekOfDate = (date: string) => isoWeekOf(new Date(`${date}T12:00:00Z`), 'UTC');

export function validWeek(week: string): boolean {
  const monday = mondayOfWeek(week);
  return Number.isFinite(monday) && isoWeekOf(new Date(monday + 3 * DAY_MS), 'UTC') === week;
}

export function validDate(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/**
 * What is wrong with a range from `from` to `to` (dates or weeks, inclusive): each problem once,
 * so a query schema can report it with the rest of the query's problems.
 */
export function rangeIssues(from: string, to: string, maxWeeks = MAX_WEEKS): Issue[] {
  const issues: Issue[] = [];
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    const ok = v.includes('-W') ? validWeek(v) : validDate(v);
    if (!ok) issues.push({ path: `query:${name}`, message: 'is not a real date or ISO week' });
  }
  if (issues.length) return issues;
  const start = mondayOfWeek(from.includes('-W') ? from : weekOfDate(from));
  const end = mondayOfWeek(to.includes('-W') ? to : weekOfDate(to));
  if (start > end) return [{ path: 'query:from', message: 'must not be after to' }];
  if (Math.round((end - start) / (7 * DAY_MS)) + 1 > maxWeeks) {
    return [{ path: 'query:from', message: `the range may span at most ${maxWeeks} weeks` }];
  }
  return [];
}

/**
 * The ISO weeks from `from` to `to` (dates or weeks, inclusive). Weeks are calendar weeks: each
 * counter sits in the week the feedback arrived on its team's calendar (triage), so a date names
 * its week wherever the reader is.
 */
export function weeksBetween(from: string, to: string, maxWeeks = MAX_WEEKS): string[] {
  const issues = rangeIssues(from, to, maxWeeks);
  if (issues.length) throw new ValidationFailed(issues);
  const start = mondayOfWeek(from.includes('-W') ? from : weekOfDate(from));
  const end = mondayOfWeek(to.includes('-W') ? to : weekOfDate(to));
  const count = Math.round((end - start) / (7 * DAY_MS)) + 1;
  return Array.from({ length: count }, (_, i) => isoWeekOf(new Date(start + (i * 7 + 3) * DAY_MS), 'UTC'));
}

/**
 * The zone reports default their dates in ("today", "the last four weeks"): the first calendar's,
 * the sites' own (docs/config.md, calendars).
 */
export const reportingZone = (config: Config) => config.calendars[0]?.timeZone ?? 'UTC';

export interface MetricsGroup {
  key: string;
  responses: number;
  nps: number | null;
  csat: number | null;
  csatAverage: number | null;
  ces: number | null;
  negativeShare: number | null;
  cases: number;
  acknowledgedWithin2h: number | null;
  acknowledgedWithin6h: number | null;
  closedWithin48h: number | null;
  loopClosedWithin72h: number | null;
  ackMinutesP50: number | null;
  ackMinutesP90: number | null;
  resolveMinutesP50: number | null;
  resolveMinutesP90: number | null;
  /** Survey invitations emailed for the touchpoint, opened, answered (touchpoint groups only). */
  invited: number;
  opened: number;
  answered: number;
  /** answered ÷ invited. */
  responseRate: number | null;
  /** Widget prompts shown (`POST /v1/impressions`, touchpoint groups only). */
  prompted: number;
  /** Widget answers ÷ prompts shown. */
  promptResponseRate: number | null;
}

/** Sums counter items per key (every numeric attribute; histograms merge the same way). */
export function sumByKey(items: readonly Record<string, unknown>[]): Map<string, Record<string, number>> {
  const sums = new Map<string, Record<string, number>>();
  for (const item of items) {
    const key = String(item.key ?? '');
    const into = sums.get(key) ?? {};
    for (const [name, value] of Object.entries(item)) {
      if (typeof value === 'number' && Number.isFinite(value)) into[name] = (into[name] ?? 0) + value;
    }
    sums.set(key, into);
  }
  return sums;
}

/** One group's rates from its summed tallies (pure). */
export function summarize(key: string, t: Record<string, number>): MetricsGroup {
  const n = (name: string) => t[name] ?? 0;
  const ack = mergeHistograms(histogramOf(t, 'ackMinutes'));
  const res = mergeHistograms(histogramOf(t, 'resolveMinutes'));
  const cases = n('cases');
  return {
    key,
    responses: n('responses'),
    nps:
      n('npsCount') > 0 ? round(((n('npsPromoters') - n('npsDetractors')) / n('npsCount')) * 100, 1) : null,
    csat: ratio(n('csatSatisfied'), n('csatCount')),
    csatAverage: ratio(n('csatSum'), n('csatCount'), 2),
    ces: ratio(n('cesSum'), n('cesCount'), 2),
    negativeShare: ratio(n('negative'), n('responses')),
    cases,
    acknowledgedWithin2h: ratio(n('acknowledgedWithin2h'), cases),
    acknowledgedWithin6h: ratio(n('acknowledgedWithin6h'), cases),
    closedWithin48h: ratio(n('closedWithin48h'), cases),
    loopClosedWithin72h: ratio(n('loopClosedWithin72h'), n('loopClosable')),
    ackMinutesP50: percentile(ack, 0.5).value,
    ackMinutesP90: percentile(ack, 0.9).value,
    resolveMinutesP50: percentile(res, 0.5).value,
    resolveMinutesP90: percentile(res, 0.9).value,
    invited: n('invited'),
    opened: n('opened'),
    answered: n('answered'),
    responseRate: ratio(n('answered'), n('invited')),
    prompted: n('prompted'),
    promptResponseRate: ratio(n('promptAnswered'), n('prompted')),
  };
}

export interface MetricsQuery {
  from?: string;
  to?: string;
  groupBy: MetricDimension;
}

export async function readMetrics(q: MetricsQuery, principal: Principal, deps: MetricsDeps) {
  const now = deps.clock.now();
  const zone = reportingZone(deps.config);
  const to = q.to ?? localDate(now, zone);
  const from = q.from ?? localDate(new Date(now.getTime() - 28 * DAY_MS), zone);
  const weeks = weeksBetween(from, to);
  const pages: Record<string, unknown>[][] = [];
  // A few weeks at a time: one Query (every page) per week, never a scan.
  for (let i = 0; i < weeks.length; i += 8) {
    pages.push(...(await Promise.all(weeks.slice(i, i + 8).map((w) => deps.metrics.week(q.groupBy, w)))));
  }
  let sums = [...sumByKey(pages.flat())];
  if (q.groupBy === 'team' && !principal.admin)
    sums = sums.filter(([key]) => principal.teamIds.includes(key));
  const groups = sums
    .map(([key, t]) => summarize(key, t))
    .sort((a, b) => b.responses - a.responses || (a.key < b.key ? -1 : 1));
  return { groupBy: q.groupBy, from, to, weeks, targets: deps.config.sla.targets, groups };
}
