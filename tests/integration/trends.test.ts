import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { isoWeekOf } from '../../shared/domain/time.ts';
import { advanceDays, countItems, eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * `GET /v1/trends` on the local stack: feedback posted through the widget's endpoint over twelve
 * virtual weeks (the clock advanced a week at a time in day-long steps), triaged by the real
 * pumps into DynamoDB Local, read back as series and compared with the same figures computed
 * directly from what was posted.
 */
let stack: LocalStack;
// Tuesday 2026-09-08 10:00 JST, ISO week 2026-W37.
const T0 = new Date('2026-09-08T01:00:00.000Z');
const WEEKS = 12;

interface Posted {
  week: string;
  touchpoint: 'checkout_abandonment' | 'delivery';
  rating: { type: 'nps' | 'csat'; score: number };
}
const posted: Posted[] = [];

async function token(who: string): Promise<string> {
  const query = who === 'admin' ? 'admin=1' : `staff=${who}`;
  return ((await (await fetch(`${stack.url}/__local/token?${query}`)).json()) as { token: string }).token;
}

async function trends(query: string, as = 'admin') {
  const response = await fetch(`${stack.url}/v1/trends?${query}`, {
    headers: { authorization: `Bearer ${await token(as)}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & TrendsBody };
}

interface TrendsBody {
  weeks: string[];
  series: { key: string; points: { week: string; value: number | null; n: number }[] }[];
  issues?: { path: string; message: string }[];
}

/** A few ratings a week whose mix changes from week to week (some weeks get none on a touchpoint). */
function weekOfRatings(i: number): Posted['rating'][] {
  const nps = [10, 9, 3, (i * 3) % 11, (i * 7) % 11].slice(0, 2 + (i % 4));
  const csat = i % 3 === 0 ? [] : [1 + (i % 5), 2];
  return [
    ...nps.map((score) => ({ type: 'nps' as const, score })),
    ...csat.map((score) => ({ type: 'csat' as const, score })),
  ];
}

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
  for (let i = 0; i < WEEKS; i++) {
    const week = isoWeekOf(stack.clock.now(), 'Asia/Tokyo');
    const ratings = weekOfRatings(i);
    for (const [j, rating] of ratings.entries()) {
      // Week 5 has no delivery feedback at all.
      const touchpoint = j % 2 === 0 || i === 5 ? 'checkout_abandonment' : 'delivery';
      const response = await postFeedback(
        stack,
        { siteId: 'shop-jp', touchpoint, channel: 'web', rating },
        { 'idempotency-key': `trend-${i}-${j}` },
      );
      expect(response.status).toBe(202);
      posted.push({ week, touchpoint, rating });
    }
    await eventually(async () => expect(await countItems(stack, 'triaged')).toBe(posted.length), 30_000);
    await advanceDays(stack, 7);
  }
}, 600_000);
afterAll(async () => {
  await stack?.stop();
});

/** NPS and negative share of some posted feedback, computed directly. */
function direct(feedback: readonly Posted[]) {
  const nps = feedback.filter((f) => f.rating.type === 'nps').map((f) => f.rating.score);
  const negative = feedback.filter((f) =>
    f.rating.type === 'nps' ? f.rating.score <= 6 : f.rating.score <= 2,
  );
  const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
  return {
    nps: nps.length
      ? round(((nps.filter((s) => s >= 9).length - nps.filter((s) => s <= 6).length) / nps.length) * 100, 1)
      : null,
    negativeShare: feedback.length ? round(negative.length / feedback.length, 4) : null,
    responses: feedback.length,
  };
}

describe('GET /v1/trends over twelve virtual weeks', () => {
  const range = () => `from=${posted[0]!.week}&to=${posted.at(-1)!.week}`;

  it('answers NPS and negative share per touchpoint and week exactly as computed from the feedback', async () => {
    const nps = await trends(`metric=nps&groupBy=touchpoint&${range()}`);
    const negative = await trends(`metric=negativeShare&groupBy=touchpoint&${range()}`);

    expect(nps.status).toBe(200);
    expect(nps.body.weeks).toHaveLength(WEEKS);
    for (const touchpoint of ['checkout_abandonment', 'delivery'] as const) {
      const npsSeries = nps.body.series.find((s) => s.key === touchpoint)!;
      const negativeSeries = negative.body.series.find((s) => s.key === touchpoint)!;
      for (const [w, week] of nps.body.weeks.entries()) {
        const expected = direct(posted.filter((f) => f.week === week && f.touchpoint === touchpoint));
        expect(npsSeries.points[w], `${touchpoint} ${week}`).toMatchObject({ week, value: expected.nps });
        expect(negativeSeries.points[w], `${touchpoint} ${week}`).toEqual({
          week,
          value: expected.negativeShare,
          n: expected.responses,
        });
      }
    }
  });

  it('shows a week without feedback as n 0 and value null, not as a gap', async () => {
    const { body } = await trends(`metric=nps&groupBy=touchpoint&${range()}`);
    const delivery = body.series.find((s) => s.key === 'delivery')!;
    expect(delivery.points[5]).toEqual({ week: body.weeks[5], value: null, n: 0 });
  });

  it('answers the whole range as one series under groupBy=none', async () => {
    const { body } = await trends(`metric=negativeShare&groupBy=none&${range()}`);
    expect(body.series.map((s) => s.key)).toEqual(['all']);
    expect(body.series[0]!.points.map((p) => p.value)).toEqual(
      body.weeks.map((week) => direct(posted.filter((f) => f.week === week)).negativeShare),
    );
  });

  it('shows a member of one team only their own team series', async () => {
    const admin = await trends(`metric=responses&groupBy=team&${range()}`);
    const orders = await trends(`metric=responses&groupBy=team&${range()}`, 'tanaka');
    const logistics = await trends(`metric=responses&groupBy=team&${range()}`, 'yoshida');

    expect(admin.body.series.map((s) => s.key).sort()).toEqual(['logistics', 'orders']);
    expect(orders.body.series.map((s) => s.key)).toEqual(['orders']);
    expect(logistics.body.series.map((s) => s.key)).toEqual(['logistics']);
  });

  it('answers 400 naming the metric, the range and the order of from and to', async () => {
    const unknown = await trends('metric=happiness&groupBy=colour');
    const tooLong = await trends('metric=nps&groupBy=none&from=2024-01-01&to=2026-12-01');
    const reversed = await trends('metric=nps&groupBy=none&from=2026-W47&to=2026-W40');

    expect(unknown.status).toBe(400);
    expect(unknown.body.issues?.map((i) => i.path).sort()).toEqual(['query:groupBy', 'query:metric']);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.issues).toEqual([
      { path: 'query:from', message: 'the range may span at most 106 weeks' },
    ]);
    expect(reversed.status).toBe(400);
    expect(reversed.body.issues).toEqual([{ path: 'query:from', message: 'must not be after to' }]);
  });

  it('counts a cancellation event as churn with its reasons, and one without reasons as churn too', async () => {
    const event = (eventId: string, reasons?: string[]) =>
      fetch(`${stack.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-server-key': 'sv_local_shop-jp' },
        body: JSON.stringify({
          siteId: 'shop-jp',
          eventId,
          type: 'subscription_cancelled',
          occurredAt: stack.clock.now().toISOString(),
          customer: { email: `${eventId}@example.jp`, contactConsent: false, since: '2024-01-01' },
          ...(reasons ? { data: { reasons } } : {}),
        }),
      });
    const before = await countItems(stack, 'triaged');
    expect((await event('cancel-1', ['price_too_high'])).status).toBe(202);
    expect((await event('cancel-2')).status).toBe(202);
    await eventually(async () => expect(await countItems(stack, 'triaged')).toBe(before + 2), 30_000);
    const week = isoWeekOf(stack.clock.now(), 'Asia/Tokyo');

    const byReason = await trends(`metric=churned&groupBy=reason&from=${week}&to=${week}`);
    const byCohort = await trends(`metric=churned&groupBy=cohort&from=${week}&to=${week}`);
    const responses = await trends(`metric=responses&groupBy=touchpoint&from=${week}&to=${week}`);

    expect(byReason.body.series).toEqual([{ key: 'price_too_high', points: [{ week, value: 1, n: 1 }] }]);
    expect(byCohort.body.series).toEqual([{ key: 'long_term', points: [{ week, value: 2, n: 2 }] }]);
    expect(responses.body.series.find((s) => s.key === 'cancellation')?.points[0]?.value).toBe(1);
  });
});
