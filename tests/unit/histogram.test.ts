import { describe, expect, it } from 'vitest';
import { minuteBuckets } from '../../shared/domain/attainment.ts';
import {
  bucketAttributes,
  emptyHistogram,
  histogramOf,
  mergeHistograms,
  observe,
  percentile,
  totalOf,
} from '../../shared/domain/histogram.ts';

const of = (...minutes: number[]) => minutes.reduce((h, m) => observe(h, m), emptyHistogram());

/** The exact nearest-rank percentile, to compare with the estimate. */
const exact = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1]!;

describe('duration histogram', () => {
  it('names its buckets as the attainment counters on the metric items do', () => {
    expect(bucketAttributes('ackMinutes')).toEqual([
      ...minuteBuckets.map((b) => `ackMinutesLe${b}`),
      'ackMinutesOver10080',
    ]);
  });

  it('reads the bucket counters of a metric item', () => {
    const h = histogramOf(
      { ackMinutesLe30: 2, ackMinutesLe240: 1, ackMinutesOver10080: 1, other: 9 },
      'ackMinutes',
    );

    expect(totalOf(h)).toBe(4);
    expect(h.counts[1]).toBe(2);
  });

  it('merges by summing buckets: the same as one histogram of all observations, in any order', () => {
    const a = of(5, 40, 200);
    const b = of(1000, 3);
    const c = of(20_000);

    expect(mergeHistograms(a, b, c)).toEqual(of(5, 40, 200, 1000, 3, 20_000));
    expect(mergeHistograms(c, a, b)).toEqual(mergeHistograms(a, b, c));
  });

  it('estimates percentiles inside the bucket that holds the rank (error at most the bucket width)', () => {
    const values = [3, 10, 25, 40, 70, 90, 150, 300, 500, 900, 1500, 3000];
    const h = of(...values);
    for (const p of [0.5, 0.9]) {
      const estimate = percentile(h, p).value!;
      const truth = exact(values, p);
      const upper = minuteBuckets.find((b) => truth <= b)!;
      const lower = [0, ...minuteBuckets][minuteBuckets.indexOf(upper as never)]!;
      expect(estimate).toBeGreaterThan(lower);
      expect(estimate).toBeLessThanOrEqual(upper);
      expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(upper - lower);
    }
  });

  it('places one observation at the middle of its bucket: 180 min in (120, 240] → 180', () => {
    expect(percentile(of(30, 180, 420), 0.5)).toEqual({
      value: 180,
      overflow: false,
      lower: 120,
      upper: 240,
    });
  });

  it('answers null with no data, and the overflow bound when the rank is past the last bucket', () => {
    expect(percentile(emptyHistogram(), 0.5)).toEqual({
      value: null,
      overflow: false,
      lower: null,
      upper: null,
    });
    expect(percentile(of(5, 20_000, 30_000), 0.9)).toEqual({
      value: 10_080,
      overflow: true,
      lower: 10_080,
      upper: null,
    });
  });

  it('refuses a percentile outside (0, 1]', () => {
    expect(() => percentile(of(1), 0)).toThrow(RangeError);
    expect(() => percentile(of(1), 1.5)).toThrow(RangeError);
  });
});
