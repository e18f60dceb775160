/**
 * Cohorts (docs/trends.md#cohorts): how long a customer had been a customer when they wrote in,
 * from `customer.since` (the shop says so) or, without it, the first journey event seen for them.
 * `new` below `newDays`, `long_term` above `longTermDays`, `active` between (both bounds
 * inclusive in `active`); `unknown` when nothing says since when. Days are calendar days in the
 * zone the caller counts in (triage: the team calendar's, as for the week), so a date-only `since`
 * (`2026-01-01`) is that day there, whichever server's clock counts it. Pure.
 */
import { DAY_MS, localDate } from './time.ts';

export const cohorts = ['new', 'active', 'long_term', 'unknown'] as const;
export type Cohort = (typeof cohorts)[number];

export interface CohortBounds {
  newDays: number;
  longTermDays: number;
}

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;

/** Calendar days from `since` (a date, or an instant read in `timeZone`) to `at` in `timeZone`. */
export function customerDays(since: string, at: Date, timeZone: string): number | undefined {
  const sinceDate = /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : undefined;
  const t = sinceDate === undefined ? Date.parse(since) : Number.NaN;
  if (sinceDate === undefined && !Number.isFinite(t)) return undefined;
  const from = sinceDate ?? localDate(new Date(t), timeZone);
  return Math.round(dayNumber(localDate(at, timeZone)) - dayNumber(from));
}

/** The cohort of a customer since `since` (undefined: unknown) at instant `at`. */
export function cohortOf(
  since: string | undefined,
  at: Date,
  timeZone: string,
  bounds: CohortBounds,
): Cohort {
  const days = since === undefined ? undefined : customerDays(since, at, timeZone);
  if (days === undefined) return 'unknown';
  if (days < bounds.newDays) return 'new';
  return days > bounds.longTermDays ? 'long_term' : 'active';
}
