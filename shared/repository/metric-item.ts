import type { AttainmentTallyName } from '../domain/attainment.ts';
import {
  type CounterDimension,
  combinedKeyPart,
  type MetricDimension,
  type Tallies,
  type TrendGroup,
} from '../domain/metrics.ts';
import type { WeekRollup } from '../domain/staff-ports.ts';
import { itemTypes } from '../table.ts';
import { fnv1a } from './shard.ts';

/**
 * Weekly counters: `pk = METRIC#<dimension>#<yyyy-Www>`, `sk = KEY#<key>#<shard>`, where the
 * dimension is `combined` (key `<touchpoint>|<channel>|<team>`) or `reason` (e.g.
 * `METRIC#combined#2026-W48` / `KEY#checkout_abandonment|web|orders#3`). `GET /v1/metrics?groupBy=…`
 * reads one partition per week in the range with a Query (no scan), names each combined item by
 * the key of the dimension asked for (`asDimension`) and sums the items of each key
 * (core/insights/metrics.ts `sumByKey`). Weeks counted before the combined items kept one
 * partition per dimension (`METRIC#touchpoint#<week>`…); the reader reads those too.
 *
 * Write sharding (docs/design.md#counters-at-scale): each key of a week is `METRIC_SHARDS` items,
 * and a writer picks one from the id it writes for (the feedback id in triage, the case id in case
 * changes and the SLA sweep), so a busy key such as `channel web` spreads its increments over
 * them, and a retried write lands on the item it would have written the first time. The reader
 * sums whatever items a key has, so items written before sharding (`KEY#<key>`) still count and
 * the shard count may grow later. Keys are slugs, never holding `#`.
 *
 * SLA attainment counters (shared/domain/attainment.ts: acknowledged ≤ 2 h / ≤ 6 h, closed ≤ 48 h,
 * loop closed ≤ 72 h, time-to-acknowledge / resolve buckets) are attributes of the same items,
 * `ADD`ed by whoever acknowledges, resolves or closes a case, in the week the case's feedback
 * arrived (the week triage counted it in), so one read per group and week has both.
 */
export const METRIC_SHARDS = 8;

/** The shard (0 … METRIC_SHARDS − 1) that the writes for `id` go to. */
export const metricShardOf = (id: string) => fnv1a(id) % METRIC_SHARDS;

export const metricPk = (dimension: CounterDimension | MetricDimension | TrendGroup, week: string) =>
  `METRIC#${dimension}#${week}`;
export const metricKeySk = (key: string, shard: number) => `KEY#${key}#${shard}`;
export const metricKey = (dimension: CounterDimension, week: string, key: string, shard: number) => ({
  pk: metricPk(dimension, week),
  sk: metricKeySk(key, shard),
});

export interface MetricItem extends Tallies, Partial<Record<AttainmentTallyName, number>> {
  pk: string;
  sk: string;
  type: typeof itemTypes.metric;
  dimension: CounterDimension | MetricDimension;
  key: string;
  week: string;
}

/** Combined counter items as items of one dimension: the same tallies, under that dimension's key. */
export function asDimension(
  items: readonly Record<string, unknown>[],
  dimension: Exclude<MetricDimension, 'reason'>,
): Record<string, unknown>[] {
  return items.map((item) => ({ ...item, dimension, key: combinedKeyPart(String(item.key), dimension) }));
}

/**
 * A week's counters of one grouping summed per key (core/insights/trends.ts): `ROLLUP#<groupBy>#<week>`
 * / `ROLLUP`, outside the `METRIC#` partitions so no counter Query ever sums it with the shards.
 * Written by the trends reader only (never by a counting write, so it is no hot item).
 */
export const rollupKey = (groupBy: TrendGroup, week: string) => ({
  pk: `ROLLUP#${groupBy}#${week}`,
  sk: 'ROLLUP',
});

export const rollupToItem = (r: WeekRollup) => ({
  ...rollupKey(r.groupBy, r.week),
  type: itemTypes.metricRollup,
  groupBy: r.groupBy,
  week: r.week,
  rolledAt: r.rolledAt,
  keys: r.keys,
});

export function rollupFromItem(item: Record<string, unknown>): WeekRollup {
  return {
    groupBy: item.groupBy as TrendGroup,
    week: String(item.week),
    rolledAt: String(item.rolledAt),
    keys: (item.keys ?? {}) as Record<string, Record<string, number>>,
  };
}
