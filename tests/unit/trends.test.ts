import { describe, expect, it } from 'vitest';
import { weeksBetween } from '../../core/insights/metrics.ts';
import {
  assembleSeries,
  pointOf,
  ROLLUP_MAX_AGE_MS,
  readTrends,
  type TrendsDeps,
} from '../../core/insights/trends.ts';
import { trendsQuery } from '../../functions/cases/schemas.ts';
import { parseWith } from '../../functions/cases/validation.ts';
import type { Principal } from '../../shared/auth/principal.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { cohortOf } from '../../shared/domain/cohort.ts';
import { ValidationFailed } from '../../shared/domain/errors.ts';
import { HOUR_MS } from '../../shared/domain/time.ts';
import { exampleConfig } from '../support/local-stack.ts';
import { MemoryRollups } from '../support/staff-fakes.ts';

const admin: Principal = { memberId: 'admin', teamIds: [], admin: true };
const tanaka: Principal = { memberId: 'tanaka', teamIds: ['orders'], admin: false };

type CounterItem = { week: string; key: string } & Record<string, number | string>;

/** Counter items as the metrics reader answers them: one per key, week and shard. */
function counters(items: readonly CounterItem[]) {
  const reads: string[] = [];
  return {
    reads,
    reader: {
      async week(_dimension: string, week: string) {
        reads.push(week);
        return items.filter((i) => i.week === week);
      },
    },
  };
}

function deps(over: Partial<TrendsDeps> & { items?: Parameters<typeof counters>[0]; config?: Config } = {}) {
  const c = counters(over.items ?? []);
  const rollups = new MemoryRollups();
  const d: TrendsDeps = {
    metrics: c.reader,
    rollups,
    clock: new VirtualClock(new Date('2026-11-18T01:00:00Z')),
    config: exampleConfig(),
    ...over,
  };
  return { deps: d, reads: c.reads, rollups };
}

describe('trends: series assembly', () => {
  it('puts every week of the range in every series, zeros and nulls where a key had nothing, and no series for a key without data', () => {
    const weeks = ['2026-W45', '2026-W46', '2026-W47'];
    const perWeek = new Map<string, Record<string, Record<string, number>>>([
      ['2026-W45', { delivery: { responses: 2, npsCount: 2, npsPromoters: 2 } }],
      ['2026-W47', { delivery: { responses: 1, npsCount: 1, npsDetractors: 1 }, web: { responses: 1 } }],
    ]);

    const nps = assembleSeries('nps', weeks, perWeek);
    const responses = assembleSeries('responses', weeks, perWeek);

    // `web` has responses but no NPS answer: an NPS series of nulls would say nothing.
    expect(nps.map((s) => s.key)).toEqual(['delivery']);
    expect(nps[0]?.points).toEqual([
      { week: '2026-W45', value: 100, n: 2 },
      { week: '2026-W46', value: null, n: 0 },
      { week: '2026-W47', value: -100, n: 1 },
    ]);
    expect(responses[1]?.points).toEqual([
      { week: '2026-W45', value: 0, n: 0 },
      { week: '2026-W46', value: 0, n: 0 },
      { week: '2026-W47', value: 1, n: 1 },
    ]);
  });

  it('counts ISO weeks across a year boundary: 2026 has a week 53', () => {
    expect(weeksBetween('2026-12-21', '2027-01-10')).toEqual(['2026-W52', '2026-W53', '2027-W01']);
  });

  it('ends the default range in the current week of the sites’ zone: Monday 00:30 in Tokyo is still Sunday in UTC', async () => {
    const clock = new VirtualClock(new Date('2026-10-04T15:30:00Z'));
    const tokyo = await readTrends({ metric: 'responses', groupBy: 'none' }, admin, deps({ clock }).deps);
    const utcConfig = exampleConfig();
    utcConfig.calendars = utcConfig.calendars.map((c) => ({ ...c, timeZone: 'UTC' }));
    const utc = await readTrends(
      { metric: 'responses', groupBy: 'none' },
      admin,
      deps({ clock, config: utcConfig }).deps,
    );

    expect(tokyo.weeks.at(-1)).toBe('2026-W41');
    expect(tokyo.weeks).toHaveLength(12);
    expect(utc.weeks.at(-1)).toBe('2026-W40');
  });

  it('computes each metric from the summed counters', () => {
    const t = {
      responses: 4,
      negative: 1,
      npsCount: 2,
      npsSum: 19,
      npsPromoters: 2,
      csatCount: 1,
      csatSatisfied: 1,
      csatSum: 5,
      cesCount: 1,
      cesSum: 7,
      thumbsCount: 0,
      cases: 2,
      acknowledgedWithin2h: 1,
      closedWithin48h: 2,
      invited: 4,
      answered: 1,
      churned: 3,
    };
    const value = (m: Parameters<typeof pointOf>[0]) => pointOf(m, '2026-W47', t).value;

    expect(value('nps')).toBe(100);
    expect(value('csat')).toBe(1);
    expect(value('ces')).toBe(7);
    // (1.9 + 1 + 1) / 4 answers on 0–100: 97.5.
    expect(value('avgRating')).toBe(97.5);
    expect(value('negativeShare')).toBe(0.25);
    expect(value('ackWithinTarget')).toBe(0.5);
    expect(value('resolvedWithinTarget')).toBe(1);
    expect(value('responseRate')).toBe(0.25);
    expect(pointOf('churned', '2026-W47', t)).toEqual({ week: '2026-W47', value: 3, n: 3 });
  });
});

describe('trends: medians from histogram buckets', () => {
  it('interpolates the median inside its bucket and names the bucket, since it is not a measured value', () => {
    // One resolution in (120, 240] minutes: the estimate is the bucket's middle, 3 h.
    const one = pointOf('timeToResolveHours', '2026-W47', { resolveMinutesLe240: 1 });
    // Three in (60, 120]: the middle rank sits at the middle of its slot, 90 minutes.
    const three = pointOf('timeToAcknowledgeHours', '2026-W47', { ackMinutesLe120: 3, ackMinutesLe15: 0 });

    expect(one).toEqual({ week: '2026-W47', value: 3, n: 1, bucket: { fromHours: 2, toHours: 4 } });
    expect(three).toEqual({ week: '2026-W47', value: 1.5, n: 3, bucket: { fromHours: 1, toHours: 2 } });
  });

  it('answers the last bound, with an open bucket, when the median is past a week', () => {
    expect(pointOf('timeToResolveHours', 'w', { resolveMinutesOver10080: 2, resolveMinutesLe60: 1 })).toEqual(
      {
        week: 'w',
        value: 168,
        n: 3,
        bucket: { fromHours: 168, toHours: null },
      },
    );
  });

  it('answers null with n 0 for a week without cases', () => {
    expect(pointOf('timeToAcknowledgeHours', 'w', {})).toEqual({ week: 'w', value: null, n: 0 });
  });
});

describe('trends: cohorts', () => {
  const bounds = { newDays: 30, longTermDays: 365 };
  it('is new below 30 days, active from 30 to 365, long-term above, unknown without a date', () => {
    const at = new Date('2026-11-18T03:00:00Z');
    expect(cohortOf('2026-10-20', at, 'Asia/Tokyo', bounds)).toBe('new');
    expect(cohortOf('2026-10-19', at, 'Asia/Tokyo', bounds)).toBe('active');
    expect(cohortOf('2025-11-18', at, 'Asia/Tokyo', bounds)).toBe('active');
    expect(cohortOf('2025-11-17', at, 'Asia/Tokyo', bounds)).toBe('long_term');
    expect(cohortOf(undefined, at, 'Asia/Tokyo', bounds)).toBe('unknown');
  });

  it('counts calendar days in the zone: the 30th day arrives in Tokyo nine hours before UTC', () => {
    // 2026-01-30 16:00 UTC is already 2026-01-31 01:00 in Tokyo.
    const at = new Date('2026-01-30T16:00:00Z');
    expect(cohortOf('2026-01-01', at, 'Asia/Tokyo', bounds)).toBe('active');
    expect(cohortOf('2026-01-01', at, 'UTC', bounds)).toBe('new');
  });

  it('reads an instant as its date in the zone', () => {
    // 2025-12-31 20:00 UTC is 2026-01-01 05:00 in Tokyo: 29 days to 2026-01-30 there.
    const at = new Date('2026-01-30T03:00:00Z');
    expect(cohortOf('2025-12-31T20:00:00Z', at, 'Asia/Tokyo', bounds)).toBe('new');
    expect(cohortOf('2025-12-31T20:00:00Z', at, 'UTC', bounds)).toBe('active');
  });

  it('takes its bounds from the config', () => {
    const at = new Date('2026-11-18T03:00:00Z');
    expect(cohortOf('2026-11-01', at, 'UTC', { newDays: 7, longTermDays: 90 })).toBe('active');
  });
});

describe('trends: query validation', () => {
  const issuesOf = (query: Record<string, string>) => {
    try {
      parseWith(trendsQuery, query, 'query:');
      return [];
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      return error.issues;
    }
  };

  it('answers 400 naming the metric when it is unknown', () => {
    expect(issuesOf({ metric: 'happiness', groupBy: 'touchpoint' })).toEqual([
      { path: 'query:metric', message: expect.stringContaining('must be one of responses, nps') },
    ]);
  });

  it('answers 400 naming the grouping when it is unknown', () => {
    expect(issuesOf({ metric: 'nps', groupBy: 'colour' })).toEqual([
      {
        path: 'query:groupBy',
        message: expect.stringContaining('touchpoint, team, channel, reason, cohort, none'),
      },
    ]);
  });

  it('answers 400 naming from when the range is over 106 weeks', () => {
    expect(issuesOf({ metric: 'nps', groupBy: 'none', from: '2024-01-01', to: '2026-11-18' })).toEqual([
      { path: 'query:from', message: 'the range may span at most 106 weeks' },
    ]);
    expect(issuesOf({ metric: 'nps', groupBy: 'none', from: '2024-W48', to: '2026-W47' })).toEqual([]);
  });

  it('answers 400 naming from when it is after to', () => {
    expect(issuesOf({ metric: 'nps', groupBy: 'none', from: '2026-W47', to: '2026-W40' })).toEqual([
      { path: 'query:from', message: 'must not be after to' },
    ]);
  });

  it('answers 400 naming the grouping of a metric counted per touchpoint only', () => {
    expect(issuesOf({ metric: 'responseRate', groupBy: 'team' })).toEqual([
      { path: 'query:groupBy', message: expect.stringContaining('per touchpoint only') },
    ]);
  });

  it('names every problem at once', () => {
    const issues = issuesOf({ metric: 'x', groupBy: 'y', from: '2026-W47', to: '2026-W40', colour: 'red' });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'query:',
      'query:from',
      'query:groupBy',
      'query:metric',
    ]);
  });

  it('refuses a range reaching past 106 weeks from a default end', async () => {
    await expect(
      readTrends({ metric: 'nps', groupBy: 'none', from: '2020-01-01' }, admin, deps().deps),
    ).rejects.toThrow(ValidationFailed);
  });
});

describe('trends: reading', () => {
  const items: CounterItem[] = [
    { week: '2026-W46', key: 'orders', responses: 2, npsCount: 2, npsPromoters: 1 },
    { week: '2026-W46', key: 'orders', responses: 1, npsCount: 1, npsDetractors: 1 },
    { week: '2026-W47', key: 'logistics', responses: 1, npsCount: 1, npsDetractors: 1 },
  ];
  const q = { metric: 'nps', groupBy: 'team', from: '2026-W45', to: '2026-W47' } as const;

  it('sums the shards of a key, and shows a member only their own teams', async () => {
    const member = await readTrends(q, tanaka, deps({ items }).deps);
    const all = await readTrends(q, admin, deps({ items }).deps);

    expect(member.series.map((s) => s.key)).toEqual(['orders']);
    expect(member.series[0]?.points[1]).toEqual({ week: '2026-W46', value: 0, n: 3 });
    expect(all.series.map((s) => s.key).sort()).toEqual(['logistics', 'orders']);
  });

  it('reads a fresh rollup instead of the counters, and sums a stale one again', async () => {
    const d = deps({ items });
    const clock = d.deps.clock as VirtualClock;
    await readTrends(q, admin, d.deps);
    expect(d.reads).toHaveLength(3);

    await readTrends(q, admin, d.deps);
    expect(d.reads).toHaveLength(3);

    clock.advance(ROLLUP_MAX_AGE_MS);
    const again = await readTrends(q, admin, d.deps);
    expect(d.reads).toHaveLength(6);
    expect(again.asOf).toBe(clock.now().toISOString());
  });

  it('never sums a week again once nothing more can land in it', async () => {
    const d = deps({ items });
    const clock = d.deps.clock as VirtualClock;
    clock.advance(60 * 24 * HOUR_MS);
    await readTrends(q, admin, d.deps);
    clock.advance(7 * 24 * HOUR_MS);
    await readTrends(q, admin, d.deps);

    expect(d.reads).toHaveLength(3);
  });
});
