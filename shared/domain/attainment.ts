/**
 * SLA attainment counters (docs/design.md#attainment: "60 % acknowledged ≤ 2 h, 85 % ≤ 6 h, 95 % closed
 * ≤ 48 h, loop closed ≤ 72 h"). Pure: each function answers the increments one case event adds;
 * whoever acknowledges / resolves / closes the case writes them (DynamoDB `ADD`) in the same
 * transaction as its event. The staff API calls these on acknowledge / resolve / close; the SLA
 * sweep calls `attainmentOnClosed` when it auto-closes.
 *
 * ## Decisions
 *
 * - **Wall-clock time.** The targets are customer-facing ("acknowledged ≤ 2 h"), so they are
 *   measured in elapsed hours from when the customer wrote in (the `opened` event's
 *   `data.receivedAt`, as the SLA clocks), not in business minutes: a Friday-night complaint
 *   acknowledged on Monday morning counts as late. The SLA policies (warnings, the ladder) are
 *   what runs on business time.
 * - **Cohort by opening week.** Increments land in the week the feedback arrived, on the team's
 *   calendar, exactly where triage counted the case (`cases` tally), so `acknowledgedWithin2h /
 *   cases` of a week is a share of that week's cases (unacknowledged cases count as misses).
 * - **Dimensions.** Every dimension triage counts (touchpoint, channel, the routed team, each
 *   reason), so every `groupBy` of `GET /v1/metrics` has them. The attributes live on the same
 *   weekly metric items as the response tallies (`METRIC#<dimension>#<week>` / `KEY#<key>#<shard>`,
 *   shared/repository/metric-item.ts), one read per group and week.
 * - **First time only.** The first acknowledgment and the first resolution of a case count;
 *   a reopened case's second cycle does not count again (its reopen is its own signal).
 * - **"Closed ≤ 48 h"** is the team closing the work: the first `resolved` (the customer is told
 *   the fix then); the `closed` status only follows the follow-up survey, a week or more later.
 *   **"Loop closed ≤ 72 h"**: the customer was told the resolution within 72 h; only cases with
 *   contact consent can close the loop (`loopClosable` is the denominator).
 * - Time to acknowledge / resolve (p50, p90) comes from fixed histogram buckets
 *   (`ackMinutesLe<N>` … `ackMinutesOver<max>`), summed by the metrics reader.
 */
import type { Case, TimelineEvent } from './case.ts';
import { type CounterDimension, metricTargetsOf } from './metrics.ts';
import { HOUR_MS, isoWeekOf, MINUTE_MS } from './time.ts';

/** Upper bounds (minutes, inclusive) of the time-to-acknowledge / time-to-resolve buckets. */
export const minuteBuckets = [15, 30, 60, 120, 240, 360, 480, 720, 1440, 2880, 4320, 10080] as const;
const lastBucket = minuteBuckets[minuteBuckets.length - 1];

type Buckets<P extends string> = `${P}Le${(typeof minuteBuckets)[number]}` | `${P}Over${typeof lastBucket}`;
const bucketNames = <P extends string>(prefix: P): Buckets<P>[] => [
  ...minuteBuckets.map((n) => `${prefix}Le${n}` as Buckets<P>),
  `${prefix}Over${lastBucket}` as Buckets<P>,
];

export const attainmentTallyNames = [
  'acknowledged',
  'acknowledgedWithin2h',
  'acknowledgedWithin6h',
  'ackMinutesSum',
  ...bucketNames('ackMinutes'),
  'resolved',
  'closedWithin48h',
  'loopClosable',
  'loopClosedWithin72h',
  'resolveMinutesSum',
  ...bucketNames('resolveMinutes'),
  'closed',
  'closedUnverified',
  'closedVerified',
] as const;
export type AttainmentTallyName = (typeof attainmentTallyNames)[number];

/** Added to the weekly metric item `(dimension, week, key)`; only the named tallies change. */
export interface AttainmentIncrement {
  dimension: CounterDimension;
  key: string;
  /** `yyyy-Www`, the week the case's feedback arrived. */
  week: string;
  tallies: Partial<Record<AttainmentTallyName, number>>;
}

type CaseFacts = Pick<Case, 'createdAt' | 'touchpoint' | 'channel' | 'teamId' | 'contactConsent'>;

/** When the customer wrote in, the routed team and reasons, from the `opened` / first `assigned` events. */
function origin(c: CaseFacts, timeline: readonly TimelineEvent[]) {
  const opened = timeline.find((e) => e.type === 'opened');
  const assigned = timeline.find((e) => e.type === 'assigned');
  const receivedAt = typeof opened?.data.receivedAt === 'string' ? opened.data.receivedAt : c.createdAt;
  const teamId = typeof assigned?.data.teamId === 'string' ? assigned.data.teamId : c.teamId;
  const reasons = Array.isArray(opened?.data.reasons)
    ? (opened.data.reasons as unknown[]).filter((r): r is string => typeof r === 'string')
    : [];
  const cohort = typeof opened?.data.cohort === 'string' ? opened.data.cohort : undefined;
  return { receivedAt: Date.parse(receivedAt), teamId, reasons, cohort };
}

function spread(
  c: CaseFacts,
  timeline: readonly TimelineEvent[],
  timeZone: string,
  tallies: AttainmentIncrement['tallies'],
): AttainmentIncrement[] {
  const o = origin(c, timeline);
  const week = isoWeekOf(new Date(o.receivedAt), timeZone);
  return metricTargetsOf({
    touchpoint: c.touchpoint,
    channel: c.channel,
    teamId: o.teamId,
    reasons: o.reasons,
    ...(o.cohort ? { cohort: o.cohort } : {}),
  }).map((t) => ({ ...t, week, tallies: { ...tallies } }));
}

function bucketOf<P extends string>(prefix: P, minutes: number): Buckets<P> {
  const n = minuteBuckets.find((b) => minutes <= b);
  return (n === undefined ? `${prefix}Over${lastBucket}` : `${prefix}Le${n}`) as Buckets<P>;
}

const minutesSince = (from: number, at: Date) => Math.max(0, Math.round((at.getTime() - from) / MINUTE_MS));

/**
 * What acknowledging adds (the first acknowledgment of the case only; `timeline` is the case's
 * timeline before this acknowledgment). `timeZone`: the team calendar's zone.
 */
export function attainmentOnAcknowledged(
  c: CaseFacts,
  timeline: readonly TimelineEvent[],
  acknowledgedAt: Date,
  timeZone: string,
): AttainmentIncrement[] {
  if (timeline.some((e) => e.type === 'acknowledged')) return [];
  const from = origin(c, timeline).receivedAt;
  const elapsed = acknowledgedAt.getTime() - from;
  const minutes = minutesSince(from, acknowledgedAt);
  return spread(c, timeline, timeZone, {
    acknowledged: 1,
    acknowledgedWithin2h: elapsed <= 2 * HOUR_MS ? 1 : 0,
    acknowledgedWithin6h: elapsed <= 6 * HOUR_MS ? 1 : 0,
    ackMinutesSum: minutes,
    [bucketOf('ackMinutes', minutes)]: 1,
  });
}

function resolutionTallies(
  c: CaseFacts,
  timeline: readonly TimelineEvent[],
  at: Date,
  tellsCustomer: boolean,
) {
  const from = origin(c, timeline).receivedAt;
  const elapsed = at.getTime() - from;
  const minutes = minutesSince(from, at);
  const loop = tellsCustomer && c.contactConsent;
  return {
    resolved: 1,
    closedWithin48h: elapsed <= 48 * HOUR_MS ? 1 : 0,
    loopClosable: loop ? 1 : 0,
    loopClosedWithin72h: loop && elapsed <= 72 * HOUR_MS ? 1 : 0,
    resolveMinutesSum: minutes,
    [bucketOf('resolveMinutes', minutes)]: 1,
  };
}

/** What resolving adds (the first resolution only; `timeline` before this resolution). */
export function attainmentOnResolved(
  c: CaseFacts,
  timeline: readonly TimelineEvent[],
  resolvedAt: Date,
  timeZone: string,
): AttainmentIncrement[] {
  if (timeline.some((e) => e.type === 'resolved')) return [];
  return spread(c, timeline, timeZone, resolutionTallies(c, timeline, resolvedAt, true));
}

/**
 * What closing adds: `closed` plus `closedUnverified` (no answer to the follow-up, the sweep's
 * auto-close) or `closedVerified`. A case closed without ever being resolved (e.g. spam) also
 * counts its resolution now, without closing the loop (the customer is told nothing).
 */
export function attainmentOnClosed(
  c: CaseFacts,
  timeline: readonly TimelineEvent[],
  closedAt: Date,
  reason: 'unverified' | 'verified' | (string & {}),
  timeZone: string,
): AttainmentIncrement[] {
  const neverResolved = !timeline.some((e) => e.type === 'resolved');
  return spread(c, timeline, timeZone, {
    closed: 1,
    closedUnverified: reason === 'unverified' ? 1 : 0,
    closedVerified: reason === 'verified' ? 1 : 0,
    ...(neverResolved ? resolutionTallies(c, timeline, closedAt, false) : {}),
  });
}
