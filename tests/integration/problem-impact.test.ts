import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import {
  advanceDays,
  countItems,
  eventually,
  postFeedback,
  staffApi,
  startTestStack,
} from '../support/local-stack.ts';

/**
 * A problem's fix checked on the local stack: feedback on checkout_abandonment over two weeks
 * before the fix (mostly detractors) and two weeks after (mostly promoters), posted through the
 * intake and counted by the real triage into DynamoDB Local; the problem listed, its impact read,
 * and the minute job (run per virtual day by `POST /__local/clock`) recording the verdict and
 * mailing the owners at the follow-up point.
 */
let stack: LocalStack;
// Monday 2026-11-02 10:00 JST, ISO week 2026-W45.
const T0 = new Date('2026-11-02T01:00:00.000Z');
let posted = 0;

/** The few fields these tests read from the answers. */
interface ProblemItem {
  caseCount: number;
  problem: { problemId: string; verification?: Record<string, unknown> };
}
interface Body {
  problem: { problemId: string };
  items: ProblemItem[];
  verdict: string;
  pValue: number;
  issues: { path: string }[];
}

const api = (method: string, path: string, as = 'admin', body?: unknown) =>
  staffApi<Body>(stack, method, path, body, as);

/** A week's answers on checkout_abandonment: `detractors` NPS 2, the rest NPS 10; the feedback ids. */
async function week(label: string, detractors: number, total: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < total; i++) {
    const response = await postFeedback(
      stack,
      {
        siteId: 'shop-jp',
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        rating: { type: 'nps', score: i < detractors ? 2 : 10 },
        customer: { email: `${label}-${i}@example.jp`, contactConsent: true },
      },
      { 'idempotency-key': `impact-${label}-${i}` },
      { key: 'server' },
    );
    expect(response.status).toBe(202);
    ids.push(((await response.json()) as { feedbackId: string }).feedbackId);
    posted += 1;
  }
  await eventually(async () => expect(await countItems(stack, 'triaged')).toBe(posted), 30_000);
  return ids;
}

let problemId: string;

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
  const [first] = await week('w45', 6, 8);
  await advanceDays(stack, 7);
  await week('w46', 6, 8);
  await advanceDays(stack, 9); // Wednesday of W47
  const created = await api('POST', '/v1/problems', 'tanaka', {
    title: 'Card payments failing',
    description: 'The PSP refused 3-D Secure',
    customerMessage: 'Card payments work again.',
  });
  problemId = created.body.problem.problemId;
  const linked = await api('POST', `/v1/problems/${problemId}/cases`, 'tanaka', {
    caseIds: [caseIdFor(first as string)],
  });
  expect(linked.status).toBe(200);
  expect((await api('POST', `/v1/problems/${problemId}/resolve`, 'tanaka', {})).status).toBe(200);
  await advanceDays(stack, 5); // Monday of W48
  await week('w48', 1, 8);
  await advanceDays(stack, 7);
  await week('w49', 1, 8);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a resolved problem', () => {
  it('is listed with its touchpoint, team and counts, not yet checked', async () => {
    const listed = await api('GET', '/v1/problems?status=resolved', 'sato');

    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ caseCount: 1, customerCount: 1, flagged: false });
    expect(listed.body.items[0]?.problem).toMatchObject({
      problemId,
      touchpoints: ['checkout_abandonment'],
      teams: ['orders'],
      siteIds: ['shop-jp'],
    });
    expect(listed.body.items[0]?.problem.verification).toBeUndefined();
    expect((await api('GET', '/v1/problems?status=open')).body.items).toEqual([]);
  });

  it('says too_early while its after window runs, and improved on the planted weeks once it closed', async () => {
    const early = await api('GET', `/v1/problems/${problemId}/impact`);
    expect(early.body.verdict).toBe('too_early');

    await advanceDays(stack, 9); // Wednesday of W50: the fix check fell due on the way (2026-12-08)
    const impact = await api('GET', `/v1/problems/${problemId}/impact`);

    expect(impact.status).toBe(200);
    expect(impact.body).toMatchObject({
      touchpoints: ['checkout_abandonment'],
      before: { from: '2026-W45', to: '2026-W46', n: 16, negativeShare: 0.75 },
      after: { from: '2026-W48', to: '2026-W49', n: 16, negativeShare: 0.125 },
      change: -0.625,
      verdict: 'improved',
    });
    expect(impact.body.pValue).toBeLessThan(0.001);
  });

  it('gets its verdict recorded by the minute job and its owners mailed once', async () => {
    const listed = await api('GET', '/v1/problems?status=resolved');
    expect(listed.body.items[0]?.problem.verification).toMatchObject({ verdict: 'improved', resolution: 1 });

    await eventually(async () => {
      const mail = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as {
        to: string[];
        subject: string;
      }[];
      const checks = mail.filter((m) => m.subject.includes('効果確認') || m.subject.includes('Fix check'));
      // tanaka created and resolved it and leads orders, its one team: one mail, in Japanese.
      expect(checks.map((m) => [m.to[0], m.subject])).toEqual([
        ['makoto.tanaka@shop.example.jp', '[効果確認] 解決した問題: 改善しました'],
      ]);
    }, 20_000);
  });

  it('answers 400 naming the bad status and 404 for an unknown problem', async () => {
    const bad = await api('GET', '/v1/problems?status=closed');
    const unknown = await api('GET', '/v1/problems/prb_nope/impact');

    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'query:status' })]);
    expect(unknown.status).toBe(404);
  });
});
