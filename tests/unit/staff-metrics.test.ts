import { describe, expect, it } from 'vitest';
import { mondayOfWeek, sumByKey, summarize, weeksBetween } from '../../core/insights/metrics.ts';
import { ValidationFailed } from '../../shared/domain/errors.ts';
import { customerHashOf, fromItem, toItem } from '../../shared/repository/feedback-item.ts';

describe('metrics: weeks in a range', () => {
  it('turns dates into the ISO weeks that contain them, inclusive', () => {
    expect(weeksBetween('2026-11-16', '2026-11-29')).toEqual(['2026-W47', '2026-W48']);
    expect(weeksBetween('2026-W52', '2027-W02')).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
    expect(weeksBetween('2027-01-01', '2027-01-01')).toEqual(['2026-W53']);
  });

  it('finds the Monday of a week', () => {
    expect(new Date(mondayOfWeek('2026-W47')).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(new Date(mondayOfWeek('2027-W01')).toISOString()).toBe('2027-01-04T00:00:00.000Z');
  });

  it('refuses a reversed range and one over two years', () => {
    expect(() => weeksBetween('2026-12-01', '2026-11-01')).toThrow(ValidationFailed);
    expect(() => weeksBetween('2024-01-01', '2026-11-01')).toThrow(ValidationFailed);
  });
});

describe('metrics: rates from summed counters', () => {
  it('sums every numeric counter per key across weeks', () => {
    const sums = sumByKey([
      { key: 'delivery', week: '2026-W47', responses: 2, npsPromoters: 1 },
      { key: 'delivery', week: '2026-W48', responses: 3, npsPromoters: 0 },
      { key: 'web', week: '2026-W48', responses: 1 },
    ]);

    expect(sums.get('delivery')).toEqual({ responses: 5, npsPromoters: 1 });
    expect(sums.get('web')).toEqual({ responses: 1 });
  });

  it('computes NPS, CSAT, CES, negative share and attainment shares exactly, null where there is no data', () => {
    const group = summarize('delivery', {
      responses: 8,
      npsCount: 4,
      npsPromoters: 1,
      npsPassives: 0,
      npsDetractors: 3,
      csatCount: 4,
      csatSatisfied: 3,
      csatSum: 15,
      negative: 4,
      cases: 4,
      acknowledgedWithin2h: 1,
      acknowledgedWithin6h: 2,
      closedWithin48h: 1,
      loopClosable: 2,
      loopClosedWithin72h: 1,
      ackMinutesLe30: 1,
      ackMinutesLe240: 1,
      ackMinutesLe480: 1,
      invited: 8,
      opened: 5,
      answered: 2,
    });

    expect(group).toEqual({
      key: 'delivery',
      responses: 8,
      nps: -50,
      csat: 0.75,
      csatAverage: 3.75,
      ces: null,
      negativeShare: 0.5,
      cases: 4,
      acknowledgedWithin2h: 0.25,
      acknowledgedWithin6h: 0.5,
      closedWithin48h: 0.25,
      loopClosedWithin72h: 0.5,
      ackMinutesP50: 180,
      ackMinutesP90: 420,
      resolveMinutesP50: null,
      resolveMinutesP90: null,
      invited: 8,
      opened: 5,
      answered: 2,
      responseRate: 0.25,
      prompted: 0,
      promptResponseRate: null,
    });
  });
});

describe('feedback retention and the erasure index', () => {
  it('expires feedback service.retentionDays after it arrived (DynamoDB TTL, epoch seconds)', () => {
    const item = toItem(
      {
        feedbackId: 'fb_1',
        siteId: 'shop-jp',
        touchpoint: 'delivery',
        channel: 'web',
        receivedAt: '2026-11-18T01:00:00.000Z',
        bodyHash: 'h',
      },
      30,
    );

    expect(item.expiresAt).toBe(Date.parse('2026-12-18T01:00:00.000Z') / 1000);
  });

  it('keys feedback with an address by its hash (trimmed, lower-cased), and only then', () => {
    const base = {
      feedbackId: 'fb_1',
      siteId: 'shop-jp',
      touchpoint: 'delivery',
      channel: 'web' as const,
      receivedAt: '2026-11-18T01:00:00.000Z',
      bodyHash: 'h',
    };
    const withEmail = toItem({ ...base, customer: { email: ' Hanako@Example.jp ' } }, 730);
    const without = toItem(base, 730);

    expect(withEmail.customerHash).toBe(customerHashOf('hanako@example.jp'));
    expect(withEmail.customerHash).toMatch(/^CUSTOMER#[0-9a-f]{64}$/);
    expect(JSON.stringify(withEmail.customerHash)).not.toContain('hanako');
    expect(without).not.toHaveProperty('customerHash');
    expect(fromItem(withEmail as never)).not.toHaveProperty('customerHash');
  });
});
