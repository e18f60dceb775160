/**
 * Mergeable duration histograms for time to acknowledge / resolve (docs/design.md#metrics: median and
 * p90). The buckets are fixed (shared/domain/attainment.ts `minuteBuckets`: 15, 30, 60, 120, 240,
 * 360, 480, 720, 1440, 2880, 4320, 10080 minutes, plus one overflow bucket), so each weekly metric
 * item keeps one counter per bucket, written with DynamoDB `ADD` when a case is acknowledged or
 * resolved, and any set of weeks and keys merges by summing counters bucket by bucket: the merge
 * is exact, associative and order-free, unlike averaging percentiles.
 *
 * ## Percentiles and their error
 *
 * `percentile(h, p)` takes the nearest rank `r = ceil(p · n)`, finds the bucket `(lower, upper]`
 * that holds it, and interpolates inside the bucket, placing the bucket's `k` observations at the
 * centres of `k` equal slots: `lower + (upper − lower) · (r − before − 0.5) / k`. The true
 * percentile lies in the same bucket, so the error is at most the bucket's width: never more than
 * 15 minutes below an hour-long bucket boundary, and at most 100 % of the true value above it
 * (consecutive bounds are at most 2× apart; 15 → 30 → 60 → 120 → 240). A rank that falls in the
 * overflow bucket answers its lower bound (10080 minutes = 7 days), which is then a lower bound of
 * the truth; `overflow` says so.
 */
import { minuteBuckets } from './attainment.ts';

export type HistogramPrefix = 'ackMinutes' | 'resolveMinutes';

/** Counts per bucket, in bucket order; the last entry is the overflow bucket. */
export interface Histogram {
  bounds: readonly number[];
  counts: number[];
}

const lastBound = minuteBuckets[minuteBuckets.length - 1] as number;

/** The attribute names of a histogram's buckets on a metric item, in bucket order. */
export function bucketAttributes(prefix: HistogramPrefix): string[] {
  return [...minuteBuckets.map((b) => `${prefix}Le${b}`), `${prefix}Over${lastBound}`];
}

export function emptyHistogram(): Histogram {
  return { bounds: minuteBuckets, counts: new Array(minuteBuckets.length + 1).fill(0) };
}

/** Reads a histogram from a metric item (missing buckets count 0). */
export function histogramOf(item: Record<string, unknown>, prefix: HistogramPrefix): Histogram {
  const h = emptyHistogram();
  bucketAttributes(prefix).forEach((name, i) => {
    const v = Number(item[name] ?? 0);
    h.counts[i] = Number.isFinite(v) ? v : 0;
  });
  return h;
}

/** Sums histograms bucket by bucket (the merge). */
export function mergeHistograms(...hs: Histogram[]): Histogram {
  const out = emptyHistogram();
  for (const h of hs) {
    h.counts.forEach((c, i) => {
      out.counts[i] = (out.counts[i] ?? 0) + c;
    });
  }
  return out;
}

/** Adds one observation (minutes), as the writers' `ADD` does. */
export function observe(h: Histogram, minutes: number): Histogram {
  const i = h.bounds.findIndex((b) => minutes <= b);
  const counts = [...h.counts];
  const at = i === -1 ? counts.length - 1 : i;
  counts[at] = (counts[at] ?? 0) + 1;
  return { bounds: h.bounds, counts };
}

export const totalOf = (h: Histogram) => h.counts.reduce((a, b) => a + b, 0);

export interface PercentileEstimate {
  /** Minutes (see the module comment for the error bound); null with no observations. */
  value: number | null;
  /** The rank fell in the overflow bucket: the value is its lower bound. */
  overflow: boolean;
  /**
   * The bucket `(lower, upper]` the rank fell in: the true percentile lies there, whatever the
   * interpolation says (`upper` null for the overflow bucket; both null with no observations).
   */
  lower: number | null;
  upper: number | null;
}

/** The `p`-th percentile (0 < p ≤ 1) of a histogram, estimated as the module comment says. */
export function percentile(h: Histogram, p: number): PercentileEstimate {
  if (!(p > 0 && p <= 1)) throw new RangeError(`percentile p must be in (0, 1], got ${p}`);
  const n = totalOf(h);
  if (n === 0) return { value: null, overflow: false, lower: null, upper: null };
  const overflowed = { value: lastBound, overflow: true, lower: lastBound, upper: null };
  const rank = Math.max(1, Math.ceil(p * n));
  let before = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const k = h.counts[i] ?? 0;
    if (k > 0 && before + k >= rank) {
      if (i >= h.bounds.length) return overflowed;
      const lower = i === 0 ? 0 : (h.bounds[i - 1] as number);
      const upper = h.bounds[i] as number;
      const value = lower + ((upper - lower) * (rank - before - 0.5)) / k;
      return { value: Math.round(value * 10) / 10, overflow: false, lower, upper };
    }
    before += k;
  }
  return overflowed;
}
