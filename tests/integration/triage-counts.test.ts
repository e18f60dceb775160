import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { errors, FaultInjector, type WithMiddleware } from '../support/faults.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * Counted once (invariant 1) with write-sharded counters: on DynamoDB Local, the first triage
 * transaction of every feedback commits and its answer is lost, as after a timeout. SQS delivers
 * the message again; the second triage finds the marker and writes nothing. The weekly counters
 * are exact only because they commit or fail with the marker: written before it they would count
 * twice, written after it they would be lost with the answer.
 */
const dynamodb = new FaultInjector('dynamodb', 15);
const markerOf = (input: Record<string, unknown>): string | undefined => {
  const items = input.TransactItems as { Put?: { Item?: { pk?: unknown; sk?: unknown } } }[] | undefined;
  const first = items?.[0]?.Put?.Item;
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? (v as { S?: string }).S : v);
  return text(first?.sk) === 'TRIAGED' ? String(text(first?.pk)) : undefined;
};
const lostAnswers = dynamodb.add({
  commands: ['TransactWriteItemsCommand'],
  effect: 'lose_response',
  key: markerOf,
  keyFailures: () => 1,
  error: [() => Object.assign(errors.ses5xx(), { name: 'InternalServerError' })],
});

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    clock: new VirtualClock(new Date('2026-11-25T01:00:00.000Z')),
    onClient: (name, client) => {
      if (name === 'dynamodb') dynamodb.attach(client as unknown as WithMiddleware);
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

interface Group {
  key: string;
  responses: number;
  cases: number;
  nps: number | null;
}

async function metrics(groupBy: string): Promise<Group[]> {
  const { token } = (await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as {
    token: string;
  };
  const response = await fetch(`${stack.url}/v1/metrics?from=2026-W48&to=2026-W48&groupBy=${groupBy}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { groups: Group[] }).groups;
}

describe('weekly counters under lost answers (invariant 1)', () => {
  it('counts each feedback once when its committed triage answer is lost and SQS delivers it again', async () => {
    const scores = [0, 3, 6, 8, 9, 10, 10, 2];
    for (const [i, score] of scores.entries()) {
      const response = await postFeedback(
        stack,
        { siteId: 'shop-jp', touchpoint: 'delivery', channel: 'app', rating: { type: 'nps', score } },
        { 'idempotency-key': `lost-answer-${i}` },
      );
      expect(response.status).toBe(202);
    }

    // Done when every first answer was lost and the queue holds nothing more (the retries ran).
    await eventually(async () => {
      expect(lostAnswers.hits).toBe(scores.length);
      const depth = (await (await fetch(`${stack.url}/__local/queues/triage`)).json()) as {
        visible: number;
        inFlight: number;
      };
      expect(depth.visible + depth.inFlight).toBe(0);
    }, 30_000);

    // 4 detractors (0, 3, 6, 2; each opens a case), 1 passive, 3 promoters.
    expect(await metrics('channel')).toEqual([
      expect.objectContaining({ key: 'app', responses: 8, cases: 4, nps: -12.5 }),
    ]);
    expect((await metrics('touchpoint')).map((g) => [g.key, g.responses])).toEqual([['delivery', 8]]);
  });
});
