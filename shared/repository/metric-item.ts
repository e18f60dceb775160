import type { AttainmentTallyName } from '../domain/attainment.ts';
import type { MetricDimension, Tallies } from '../domain/metrics.ts';
import type { itemTypes } from '../table.ts';

/**
 * Weekly counters: `pk = METRIC#<dimension>#<yyyy-Www>`, `sk = KEY#<key>` (e.g.
 * `METRIC#touchpoint#2026-W48` / `KEY#checkout_abandonment`). `GET /v1/metrics?groupBy=…` reads
 * one partition per week in the range with a Query (every key of that dimension that week, no
 * scan), and a week's writes for a dimension spread over that week's partition only.
 *
 * SLA attainment counters (shared/domain/attainment.ts: acknowledged ≤ 2 h / ≤ 6 h, closed ≤ 48 h,
 * loop closed ≤ 72 h, time-to-acknowledge / resolve buckets) are attributes of the same items,
 * `ADD`ed by whoever acknowledges, resolves or closes a case, in the week the case's feedback
 * arrived (the week triage counted it in), so one read per group and week has both.
 */
export const metricPk = (dimension: MetricDimension, week: string) => `METRIC#${dimension}#${week}`;
export const metricKeySk = (key: string) => `KEY#${key}`;
export const metricKey = (dimension: MetricDimension, week: string, key: string) => ({
  pk: metricPk(dimension, week),
  sk: metricKeySk(key),
});

export interface MetricItem extends Tallies, Partial<Record<AttainmentTallyName, number>> {
  pk: string;
  sk: string;
  type: typeof itemTypes.metric;
  dimension: MetricDimension;
  key: string;
  week: string;
}
