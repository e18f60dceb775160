import { describe, expect, it } from 'vitest';
import { type AssignableTeam, chooseAssignee } from '../../shared/domain/assignment.ts';
import { effectiveSentiment } from '../../shared/domain/classify.ts';
import { MAX_COUNTED_REASONS, metricTargetsOf, talliesOf } from '../../shared/domain/metrics.ts';
import { isoWeekOf } from '../../shared/domain/time.ts';

const team = (over: Partial<AssignableTeam> = {}): AssignableTeam => ({
  id: 't',
  assignment: 'round_robin',
  members: [{ id: 'a' }, { id: 'b', available: false }, { id: 'c' }],
  leadId: 'c',
  ...over,
});

describe('chooseAssignee', () => {
  it('round robin starts with the first available member and creates the cursor', () => {
    expect(chooseAssignee(team(), { open: {} })).toEqual({
      assigneeId: 'a',
      rule: 'round_robin',
      cursor: { expectedSeq: undefined, next: { lastMemberId: 'a', seq: 1 } },
    });
  });

  it('round robin skips unavailable members and wraps, conditional on the sequence read', () => {
    const afterA = chooseAssignee(team(), { cursor: { lastMemberId: 'a', seq: 7 }, open: {} });
    const afterC = chooseAssignee(team(), { cursor: { lastMemberId: 'c', seq: 8 }, open: {} });

    expect(afterA).toMatchObject({
      assigneeId: 'c',
      cursor: { expectedSeq: 7, next: { lastMemberId: 'c', seq: 8 } },
    });
    expect(afterC).toMatchObject({ assigneeId: 'a', cursor: { expectedSeq: 8 } });
  });

  it('round robin restarts at the top when the cursor names a member who left the team', () => {
    expect(chooseAssignee(team(), { cursor: { lastMemberId: 'gone', seq: 2 }, open: {} }).assigneeId).toBe(
      'a',
    );
  });

  it('fewest open picks the minimum among available members, ties by member order', () => {
    const t = team({ assignment: 'fewest_open' });
    expect(chooseAssignee(t, { open: { a: 2, b: 0, c: 1 } })).toEqual({
      assigneeId: 'c',
      rule: 'fewest_open',
    });
    expect(chooseAssignee(t, { open: { a: 1, c: 1 } }).assigneeId).toBe('a');
    expect(chooseAssignee(t, { open: {} }).assigneeId).toBe('a');
  });

  it('falls back to the team lead when nobody is available, else to the first member', () => {
    const away = [
      { id: 'a', available: false },
      { id: 'c', available: false },
    ];
    expect(chooseAssignee(team({ members: away }), { open: {} })).toEqual({
      assigneeId: 'c',
      rule: 'lead_fallback',
    });
    expect(chooseAssignee(team({ members: away, leadId: 'x' }), { open: {} }).assigneeId).toBe('a');
  });
});

describe('effectiveSentiment (feedback without a rating)', () => {
  it('is the rating bucket when there is one', () => {
    expect(effectiveSentiment({ sentiment: 'positive', severityRule: 'keyword:二重請求' })).toBe('positive');
  });

  it('is negative when a severity keyword made it critical, else neutral (never positive)', () => {
    expect(effectiveSentiment({ sentiment: undefined, severityRule: 'keyword:二重請求' })).toBe('negative');
    expect(effectiveSentiment({ sentiment: undefined, severityRule: 'vip-sku' })).toBe('neutral');
    expect(effectiveSentiment({ sentiment: undefined, severityRule: undefined })).toBe('neutral');
  });
});

describe('isoWeekOf', () => {
  const week = (iso: string, tz = 'Asia/Tokyo') => isoWeekOf(new Date(iso), tz);

  it('starts weeks on Monday in the given time zone', () => {
    expect(week('2026-11-22T14:59:59Z')).toBe('2026-W47'); // Sunday 23:59:59 JST
    expect(week('2026-11-22T15:00:00Z')).toBe('2026-W48'); // Monday 00:00 JST
    expect(week('2026-11-22T15:00:00Z', 'UTC')).toBe('2026-W47');
    expect(week('2026-11-23T04:00:00Z', 'America/New_York')).toBe('2026-W47'); // Sunday 23:00 EST
  });

  it('follows ISO years across New Year (2026 has 53 weeks)', () => {
    expect(week('2026-01-01T03:00:00Z')).toBe('2026-W01'); // Thursday
    expect(week('2026-12-31T03:00:00Z')).toBe('2026-W53');
    expect(week('2027-01-03T03:00:00Z')).toBe('2026-W53'); // Sunday
    expect(week('2027-01-04T03:00:00Z')).toBe('2027-W01'); // Monday
    expect(week('2025-12-29T03:00:00Z')).toBe('2026-W01'); // Monday of the week with 2026-01-01
  });
});

describe('metric targets and tallies', () => {
  it('counts touchpoint, channel and team on one combined item and each distinct reason, at most 10', () => {
    const reasons = Array.from({ length: 12 }, (_, i) => `r${i % 11}`);
    const targets = metricTargetsOf({ touchpoint: 'delivery', channel: 'web', teamId: 'logistics', reasons });

    expect(targets[0]).toEqual({ dimension: 'combined', key: 'delivery|web|logistics' });
    expect(targets.slice(1).map((t) => t.dimension)).toEqual(Array(MAX_COUNTED_REASONS).fill('reason'));
    expect(targets.slice(1).map((t) => t.key)).toEqual(
      Array.from({ length: MAX_COUNTED_REASONS }, (_, i) => `r${i}`),
    );
  });

  it('buckets NPS 0–6 / 7–8 / 9–10 and CSAT 4–5 as satisfied', () => {
    const nps = (score: number) =>
      talliesOf({
        rating: { type: 'nps', score },
        npsBucket: score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter',
        sentiment: score <= 6 ? 'negative' : 'neutral',
        opensCase: false,
      });
    expect(nps(6)).toMatchObject({ npsDetractors: 1, npsPassives: 0, npsPromoters: 0, negative: 1 });
    expect(nps(8)).toMatchObject({ npsDetractors: 0, npsPassives: 1, npsPromoters: 0 });
    expect(
      talliesOf({
        rating: { type: 'csat', score: 4 },
        npsBucket: undefined,
        sentiment: 'positive',
        opensCase: true,
      }),
    ).toMatchObject({ csatCount: 1, csatSatisfied: 1, csatSum: 4, npsCount: 0, cases: 1 });
  });
});
