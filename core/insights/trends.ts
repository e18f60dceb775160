/**
 * `GET /v1/trends?metric=&groupBy=&from=&to=` (docs/trends.md): one metric as a weekly series per
 * key, every ISO week of the range present (a week without data is `n: 0`, never missing).
 *
 * ## Where the numbers come from
 *
 * The weekly counters triage and the case use cases keep (`METRIC#<dimension>#<week>` /
 * `KEY#<key>#<shard>`, shared/repository/metric-item.ts), never the raw feedback. A trend of two
 * years would read every shard of every key of every week (106 × keys × 8 items), so each week's
 * counters of one grouping are summed once into a **rollup** (`ROLLUP#<groupBy>#<week>`), and a
 * trend reads one rollup per week (BatchGetItem). A rollup is summed again from the shards when it
 * is older than `ROLLUP_MAX_AGE_MS` and its week may still change: counts land in the week the
 * feedback arrived, and a case's acknowledgment, resolution and close land there later, up to
 * the follow-up delay plus the unanswered-close days after it (`settleDays`). A rollup made after
 * that is final. The answer's `asOf` is the oldest rollup it used, so a chart can say how fresh it
 * is; `GET /v1/metrics` reads the shards and is exact.
 *
 * ## Medians
 *
 * Time to acknowledge / resolve are medians of the bucket histograms (shared/domain/histogram.ts):
 * not measured values but estimates, interpolated inside the bucket that holds the middle rank.
 * Each such point carries that bucket (`bucket: { fromHours, toHours }`): the true median lies in
 * it, whatever the interpolation says (a single case reads as its bucket's middle).
 */
import type { Principal } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Issue } from '../../shared/domain/errors.ts';
import { histogramOf, percentile, totalOf } from '../../shared/domain/histogram.ts';
import type { TrendGroup } from '../../shared/domain/metrics.ts';
import type { MetricsReader, RollupStore, WeekRollup } from '../../shared/domain/staff-ports.ts';
import { DAY_MS, isoWeekOf, localDate, MINUTE_MS } from '../../shared/domain/time.ts';
import { MAX_WEEKS, mondayOfWeek, ratio, reportingZone, round, sumByKey, weeksBetween } from './metrics.ts';

export const trendMetrics = [
  'responses',
  'nps',
  'csat',
  'ces',
  'avgRating',
  'negativeShare',
  'timeToAcknowledgeHours',
  'timeToResolveHours',
  'ackWithinTarget',
  'resolvedWithinTarget',
  'responseRate',
  'churned',
] as const;
export type TrendMetric = (typeof trendMetrics)[number];

/** Counted per touchpoint only (survey invitations know no team, channel, reason or cohort). */
const touchpointOnly: readonly TrendMetric[] = ['responseRate'];

/** Weeks a trend shows when the query names no `from`. */
export const DEFAULT_TREND_WEEKS = 12;

/** A rollup of a week that may still change is summed again once it is this old. */
export const ROLLUP_MAX_AGE_MS = 10 * MINUTE_MS;

export interface TrendsDeps {
  metrics: MetricsReader;
  rollups: RollupStore;
  clock: Clock;
  config: Config;
}

export interface TrendsQuery {
  metric: TrendMetric;
  groupBy: TrendGroup;
  from?: string;
  to?: string;
}

export interface TrendPoint {
  week: string;
  /** null where a ratio, mean or median has no data; counts are 0. */
  value: number | null;
  /** What the value stands on: the answers, cases, invitations or cancellations counted. */
  n: number;
  /** Medians only: the histogram bucket the median lies in (`toHours` null: beyond the last bucket). */
  bucket?: { fromHours: number; toHours: number | null };
}

export interface TrendSeries {
  key: string;
  points: TrendPoint[];
}

/** The problems of a combination of metric and grouping (the schema reports them with the rest). */
export function trendQueryIssues(q: { metric?: unknown; groupBy?: unknown }): Issue[] {
  if (
    touchpointOnly.includes(q.metric as TrendMetric) &&
    q.groupBy !== 'touchpoint' &&
    q.groupBy !== 'none'
  ) {
    return [
      {
        path: 'query:groupBy',
        message: `${String(q.metric)} is counted per touchpoint only: groupBy must be touchpoint or none`,
      },
    ];
  }
  return [];
}

const hours = (minutes: number) => round(minutes / 60, 2);

/** One week's point of `metric` from a key's summed counters (pure). */
export function pointOf(metric: TrendMetric, week: string, t: Readonly<Record<string, number>>): TrendPoint {
  const c = (name: string) => t[name] ?? 0;
  const of = (value: number | null, n: number): TrendPoint => ({ week, value: n > 0 ? value : null, n });
  switch (metric) {
    case 'responses':
      return { week, value: c('responses'), n: c('responses') };
    case 'churned':
      return { week, value: c('churned'), n: c('churned') };
    case 'nps':
      return of(
        c('npsCount') ? round(((c('npsPromoters') - c('npsDetractors')) / c('npsCount')) * 100, 1) : null,
        c('npsCount'),
      );
    case 'csat':
      return of(ratio(c('csatSatisfied'), c('csatCount')), c('csatCount'));
    case 'ces':
      return of(ratio(c('cesSum'), c('cesCount'), 2), c('cesCount'));
    case 'avgRating': {
      // Every scale onto 0–100 (worst to best) before averaging: NPS 0–10, CSAT 1–5, CES 1–7, thumbs 0–1.
      const n = c('npsCount') + c('csatCount') + c('cesCount') + c('thumbsCount');
      const scaled =
        c('npsSum') / 10 +
        (c('csatSum') - c('csatCount')) / 4 +
        (c('cesSum') - c('cesCount')) / 6 +
        c('thumbsUp');
      return of(n ? round((scaled / n) * 100, 1) : null, n);
    }
    case 'negativeShare':
      return of(ratio(c('negative'), c('responses')), c('responses'));
    case 'ackWithinTarget':
      return of(ratio(c('acknowledgedWithin2h'), c('cases')), c('cases'));
    case 'resolvedWithinTarget':
      return of(ratio(c('closedWithin48h'), c('cases')), c('cases'));
    case 'responseRate':
      return of(ratio(c('answered'), c('invited')), c('invited'));
    case 'timeToAcknowledgeHours':
    case 'timeToResolveHours': {
      const h = histogramOf(t, metric === 'timeToAcknowledgeHours' ? 'ackMinutes' : 'resolveMinutes');
      const median = percentile(h, 0.5);
      const n = totalOf(h);
      if (median.value === null || median.lower === null) return { week, value: null, n };
      return {
        week,
        value: hours(median.value),
        n,
        bucket: {
          fromHours: hours(median.lower),
          toHours: median.upper === null ? null : hours(median.upper),
        },
      };
    }
  }
}

/**
 * The series of `metric`: one per key with data for it in some week of the range (a reason no
 * cancellation named has no churn series), a point for every week (zeros where the key had
 * nothing), busiest key first.
 */
export function assembleSeries(
  metric: TrendMetric,
  weeks: readonly string[],
  perWeek: ReadonlyMap<string, Readonly<Record<string, Readonly<Record<string, number>>>>>,
): TrendSeries[] {
  const keys = new Set<string>();
  for (const byKey of perWeek.values()) for (const key of Object.keys(byKey)) keys.add(key);
  const series = [...keys].map((key) => ({
    key,
    points: weeks.map((week) => pointOf(metric, week, perWeek.get(week)?.[key] ?? {})),
  }));
  const total = (s: TrendSeries) => s.points.reduce((sum, p) => sum + p.n, 0);
  return series.filter((s) => total(s) > 0).sort((a, b) => total(b) - total(a) || (a.key < b.key ? -1 : 1));
}

/** Days after a week ends before nothing more lands in it: the follow-up, its unanswered close, a week's slack. */
export const settleDays = (config: Config) =>
  config.sla.followUp.delayDays + config.sla.followUp.closeUnansweredAfterDays + 7;

/** Whether a rollup can be used as it is at `now`. */
export function rollupFresh(r: WeekRollup, now: Date, config: Config): boolean {
  const rolledAt = Date.parse(r.rolledAt);
  // A day of slack past the UTC Monday covers every zone's end of the week.
  const settledAt = mondayOfWeek(r.week) + (8 + settleDays(config)) * DAY_MS;
  return rolledAt >= settledAt || now.getTime() - rolledAt < ROLLUP_MAX_AGE_MS;
}

/** The week's rollup, summed again from the counter shards where the stored one is missing or stale. */
async function weekRollups(groupBy: TrendGroup, weeks: readonly string[], deps: TrendsDeps) {
  const now = deps.clock.now();
  const stored = await deps.rollups.get(groupBy, weeks);
  const out = new Map<string, WeekRollup>();
  const stale: string[] = [];
  for (const week of weeks) {
    const r = stored.get(week);
    if (r && rollupFresh(r, now, deps.config)) out.set(week, r);
    else stale.push(week);
  }
  // A few weeks at a time: one Query per partition and week, never a scan.
  for (let i = 0; i < stale.length; i += 8) {
    await Promise.all(
      stale.slice(i, i + 8).map(async (week) => {
        const sums = sumByKey(await deps.metrics.week(groupBy, week));
        const r: WeekRollup = { groupBy, week, rolledAt: now.toISOString(), keys: Object.fromEntries(sums) };
        await deps.rollups.put(r);
        out.set(week, r);
      }),
    );
  }
  return out;
}

export async function readTrends(q: TrendsQuery, principal: Principal, deps: TrendsDeps) {
  const now = deps.clock.now();
  const zone = reportingZone(deps.config);
  const to = q.to ?? localDate(now, zone);
  const from = q.from ?? defaultFromWeek(to);
  const weeks = weeksBetween(from, to, MAX_WEEKS);
  const rollups = await weekRollups(q.groupBy, weeks, deps);
  const visible = (key: string) => q.groupBy !== 'team' || principal.admin || principal.teamIds.includes(key);
  const perWeek = new Map(
    [...rollups].map(([week, r]) => [
      week,
      Object.fromEntries(Object.entries(r.keys).filter(([key]) => visible(key))),
    ]),
  );
  const asOf = [...rollups.values()].map((r) => r.rolledAt).sort()[0] ?? now.toISOString();
  const targets = deps.config.sla.targets;
  const target =
    q.metric === 'ackWithinTarget'
      ? targets.acknowledgedWithin2h
      : q.metric === 'resolvedWithinTarget'
        ? targets.closedWithin48h
        : null;
  return {
    metric: q.metric,
    groupBy: q.groupBy,
    from,
    to,
    weeks,
    target,
    asOf,
    series: assembleSeries(q.metric, weeks, perWeek),
  };
}

/** The ISO week `DEFAULT_TREND_WEEKS − 1` weeks before the week of `to` (a date or a week). */
function defaultFromWeek(to: string): string {
  const [last] = weeksBetween(to, to);
  const monday = mondayOfWeek(last as string) - (DEFAULT_TREND_WEEKS - 1) * 7 * DAY_MS;
  return isoWeekOf(new Date(monday + 3 * DAY_MS), 'UTC');
}
