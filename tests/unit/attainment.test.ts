import { describe, expect, it } from 'vitest';
import {
  attainmentOnAcknowledged,
  attainmentOnClosed,
  attainmentOnResolved,
  attainmentTallyNames,
} from '../../shared/domain/attainment.ts';
import type { TimelineEvent } from '../../shared/domain/case.ts';

const tz = 'Asia/Tokyo';
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`);
const ev = (type: TimelineEvent['type'], at: string, data: Record<string, unknown> = {}): TimelineEvent => ({
  type,
  at,
  actor: 'test',
  via: 'test',
  data,
});
const c = {
  createdAt: jst('2026-11-27 23:10').toISOString(),
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  teamId: 'web', // reassigned later; the routed team counts
  contactConsent: true,
};
// Friday 23:00 JST (ISO week 2026-W48), triaged 10 minutes later.
const received = jst('2026-11-27 23:00').toISOString();
const opened = [
  ev('opened', c.createdAt, { receivedAt: received, reasons: ['payment_method_unavailable', 'other'] }),
  ev('assigned', c.createdAt, { teamId: 'orders' }),
];
const hours = (h: number) => new Date(Date.parse(received) + h * 3_600_000);
const tallies = (incs: ReturnType<typeof attainmentOnAcknowledged>) => incs[0]?.tallies;

describe('attainment counters', () => {
  it('counts acknowledgments in wall-clock hours from when the customer wrote in (not business time)', () => {
    expect(tallies(attainmentOnAcknowledged(c, opened, hours(1.5), tz))).toEqual({
      acknowledged: 1,
      acknowledgedWithin2h: 1,
      acknowledgedWithin6h: 1,
      ackMinutesSum: 90,
      ackMinutesLe120: 1,
    });
    // Exactly 2 h is within 2 h; just after is not.
    expect(tallies(attainmentOnAcknowledged(c, opened, hours(2), tz))).toMatchObject({
      acknowledgedWithin2h: 1,
    });
    expect(
      tallies(attainmentOnAcknowledged(c, opened, new Date(hours(2).getTime() + 1000), tz)),
    ).toMatchObject({
      acknowledgedWithin2h: 0,
      acknowledgedWithin6h: 1,
    });
    // Monday 09:05 after a Friday-night complaint: 58 wall hours, late on both targets.
    expect(tallies(attainmentOnAcknowledged(c, opened, jst('2026-11-30 09:05'), tz))).toMatchObject({
      acknowledgedWithin2h: 0,
      acknowledgedWithin6h: 0,
      ackMinutesLe4320: 1,
    });
  });

  it('goes to every dimension triage counts, in the week the feedback arrived on the team calendar', () => {
    const incs = attainmentOnAcknowledged(c, opened, jst('2026-11-30 09:05'), tz); // acknowledged in W49
    expect(incs.map((i) => [i.dimension, i.key, i.week])).toEqual([
      ['combined', 'checkout_abandonment|web|orders', '2026-W48'],
      ['reason', 'payment_method_unavailable', '2026-W48'],
      ['reason', 'other', '2026-W48'],
    ]);
  });

  it('counts only the first acknowledgment and the first resolution of a case', () => {
    const again = [
      ...opened,
      ev('acknowledged', hours(1).toISOString()),
      ev('resolved', hours(5).toISOString()),
    ];
    expect(attainmentOnAcknowledged(c, again, hours(30), tz)).toEqual([]);
    expect(attainmentOnResolved(c, again, hours(30), tz)).toEqual([]);
  });

  it('counts "closed ≤ 48 h" at the first resolution and "loop closed ≤ 72 h" only with consent', () => {
    expect(tallies(attainmentOnResolved(c, opened, hours(47), tz))).toEqual({
      resolved: 1,
      closedWithin48h: 1,
      loopClosable: 1,
      loopClosedWithin72h: 1,
      resolveMinutesSum: 47 * 60,
      resolveMinutesLe2880: 1,
    });
    expect(tallies(attainmentOnResolved(c, opened, hours(60), tz))).toMatchObject({
      closedWithin48h: 0,
      loopClosedWithin72h: 1,
    });
    expect(
      tallies(attainmentOnResolved({ ...c, contactConsent: false }, opened, hours(10), tz)),
    ).toMatchObject({
      loopClosable: 0,
      loopClosedWithin72h: 0,
      closedWithin48h: 1,
    });
    expect(tallies(attainmentOnResolved(c, opened, hours(24 * 30), tz))).toMatchObject({
      resolveMinutesOver10080: 1,
    });
  });

  it('counts closes by outcome; a case closed without a resolution counts its resolution too, loop open', () => {
    const resolved = [...opened, ev('resolved', hours(5).toISOString())];
    expect(tallies(attainmentOnClosed(c, resolved, hours(24 * 14), 'unverified', tz))).toEqual({
      closed: 1,
      closedUnverified: 1,
      closedVerified: 0,
    });
    expect(tallies(attainmentOnClosed(c, opened, hours(3), 'spam', tz))).toMatchObject({
      closed: 1,
      resolved: 1,
      closedWithin48h: 1,
      loopClosable: 0,
    });
  });

  it('uses only declared tally names', () => {
    const all = [
      ...attainmentOnAcknowledged(c, opened, hours(1), tz),
      ...attainmentOnResolved(c, opened, hours(1), tz),
      ...attainmentOnClosed(c, opened, hours(1), 'verified', tz),
    ];
    for (const inc of all)
      for (const name of Object.keys(inc.tallies)) expect(attainmentTallyNames).toContain(name);
  });
});
