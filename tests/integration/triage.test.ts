import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { countItems, drainQueue, eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * Triage on the local stack: real DynamoDB Local (transactions, conditions, stream), real SQS
 * (fauxqs: visibility, redrive to the DLQ after maxReceiveCount 5), the same handler as the
 * Lambda function behind the queue pump. The clock is frozen at Wednesday 2026-11-18 10:00 JST,
 * so deadlines are known in advance.
 */
let stack: LocalStack;
beforeAll(async () => {
  // The triage pump is driven by each test (started, or polled by hand) to control deliveries.
  stack = await startTestStack({
    clock: new VirtualClock(new Date('2026-11-18T01:00:00.000Z')),
    triagePump: false,
  });
});
afterAll(async () => {
  await stack?.stop();
});

interface ListedCase {
  caseId: string;
  feedbackId: string;
  teamId: string;
  assigneeId: string;
  severity: string;
  acknowledgeBy: string;
  resolveBy: string;
  timeline: { type: string; actor: string; data: Record<string, unknown> }[];
}

const listCases = async () => (await (await fetch(`${stack.url}/__local/cases`)).json()) as ListedCase[];
const triageDepth = async () =>
  (await (await fetch(`${stack.url}/__local/queues/triage`)).json()) as {
    visible: number;
    inFlight: number;
    deadLettered: number;
  };
const send = (body: string) =>
  stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.triage.url, MessageBody: body }));

async function post(body: Record<string, unknown>, key: string): Promise<string> {
  const response = await postFeedback(stack, { siteId: 'shop-jp', ...body }, { 'idempotency-key': key });
  expect(response.status).toBe(202);
  return ((await response.json()) as { feedbackId: string }).feedbackId;
}

/** Sum of a tally over every counter item of one stored dimension (`combined` or `reason`). */
async function tally(dimension: string, name: string): Promise<number> {
  const { Items = [] } = await stack.db.send(
    new ScanCommand({
      TableName: stack.tableName,
      ConsistentRead: true,
      FilterExpression: '#type = :metric AND #dimension = :dimension',
      ExpressionAttributeNames: { '#type': 'type', '#dimension': 'dimension' },
      ExpressionAttributeValues: { ':metric': 'metric', ':dimension': dimension },
    }),
  );
  return Items.reduce((sum, item) => sum + Number(item[name] ?? 0), 0);
}

/** Polls the triage queue by hand until nothing is left on it (visible or in flight). */
async function pumpUntilEmpty() {
  await eventually(async () => {
    await stack.triagePump.pollOnce();
    const depth = await triageDepth();
    expect(depth.visible + depth.inFlight).toBe(0);
  }, 20_000);
}

const caseOpenedEvents = async () =>
  (
    (await (await fetch(`${stack.url}/__local/events`)).json()) as {
      detailType: string;
      detail: { caseId: string };
    }[]
  )
    .filter((e) => e.detailType === 'case.opened')
    .map((e) => e.detail.caseId);

describe('triage on the local stack', () => {
  it('turns a posted feedback into a case with team, assignee, deadlines and its first events', async () => {
    stack.triagePump.start();
    try {
      const feedbackId = await post(
        {
          touchpoint: 'checkout_abandonment',
          channel: 'web',
          rating: { type: 'nps', score: 3 },
          comment: '支払い方法が選べませんでした',
          reasons: ['payment_method_unavailable'],
          customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
        },
        'triage-first',
      );

      const listed = await eventually(async () => {
        const found = (await listCases()).find((c) => c.feedbackId === feedbackId);
        expect(found).toBeDefined();
        return found as ListedCase;
      });

      expect(listed).toMatchObject({
        caseId: feedbackId.replace(/^fb_/, 'case_'),
        status: 'open',
        teamId: 'orders',
        assigneeId: 'tanaka',
        routedBy: 'checkout-abandonment-to-orders',
        severity: 'critical',
        acknowledgeBy: '2026-11-18T03:00:00.000Z', // 12:00 JST, two business hours later
        resolveBy: '2026-11-19T08:00:00.000Z',
        version: 1,
      });
      // Triage's events come first (notify may add notice_sent events after them).
      expect(listed.timeline.slice(0, 2).map((e) => [e.type, e.actor])).toEqual([
        ['opened', 'system:triage'],
        ['assigned', 'system:triage'],
      ]);
      expect(listed.timeline[1]?.data).toMatchObject({
        teamId: 'orders',
        assigneeId: 'tanaka',
        rule: 'fewest_open',
      });
      // The outbox relay carried case.opened to the (local) event bus.
      await eventually(async () => expect(await caseOpenedEvents()).toContain(listed.caseId));
    } finally {
      await stack.triagePump.stop();
    }
  });

  it('opens no second case, counts nothing twice and queues no second message when every message arrives twice', async () => {
    const before = {
      cases: await countItems(stack, 'case'),
      outbox: await countItems(stack, 'outbox'),
      markers: await countItems(stack, 'triaged'),
      responses: await tally('combined', 'responses'),
    };
    const feedback = [
      // critical, consent: case + case.opened + staff notice + customer notice
      {
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        rating: { type: 'nps', score: 2 },
        comment: 'カードが使えない',
        customer: { email: 'a@example.jp', contactConsent: true },
      },
      // promoter without comment: counted only
      { touchpoint: 'product_use', channel: 'app', rating: { type: 'nps', score: 10 } },
      // routine negative: case + case.opened
      {
        touchpoint: 'delivery',
        channel: 'app',
        rating: { type: 'csat', score: 1 },
        comment: '荷物が届かない',
      },
      // neutral without consent: counted only
      { touchpoint: 'support_chat', channel: 'chat', rating: { type: 'csat', score: 3 }, comment: '普通' },
      // critical keyword with consent: case + case.opened + two notices
      {
        touchpoint: 'post_purchase',
        channel: 'email',
        comment: '二重請求されています',
        customer: { email: 'b@example.jp', contactConsent: true },
      },
      // critical keyword without consent: case + case.opened + staff notice (4 cases, 5 notices)
      {
        touchpoint: 'account_creation',
        channel: 'web',
        rating: { type: 'thumbs', score: 0 },
        comment: 'ログインできない',
      },
    ];
    const ids: string[] = [];
    for (const [i, body] of feedback.entries()) ids.push(await post(body, `twice-${i}`));

    // Take the stream's deliveries off the queue and put every one back twice.
    const delivered = await eventually(async () => {
      const depth = await triageDepth();
      expect(depth.visible).toBe(feedback.length);
      return drainQueue(stack.sqs, stack.queues.triage.url);
    });
    expect(delivered.map((m) => (m as { feedbackId: string }).feedbackId).sort()).toEqual([...ids].sort());
    for (const message of [...delivered, ...delivered]) await send(JSON.stringify(message));
    await pumpUntilEmpty();

    expect(await countItems(stack, 'case')).toBe(before.cases + 4);
    expect(await countItems(stack, 'triaged')).toBe(before.markers + 6);
    expect(await countItems(stack, 'outbox')).toBe(before.outbox + 4 + 5);
    expect(await tally('combined', 'responses')).toBe(before.responses + 6);
    const cases = (await listCases()).filter((c) => ids.includes(c.feedbackId));
    expect(cases).toHaveLength(4);
    for (const c of cases) {
      const types = c.timeline.map((e) => e.type);
      expect(types.filter((t) => t === 'opened' || t === 'assigned')).toEqual(['opened', 'assigned']);
      // Notices the notify function sent so far: never one (notice, recipient) twice.
      const sent = c.timeline
        .filter((e) => e.type === 'notice_sent' && e.data.status === 'sent')
        .map((e) => `${e.data.noticeId} → ${e.data.to}`);
      expect(new Set(sent).size).toBe(sent.length);
    }

    // A third delivery, much later, changes nothing either.
    await send(JSON.stringify(delivered[0]));
    await pumpUntilEmpty();
    expect(await countItems(stack, 'case')).toBe(before.cases + 4);

    // Each case was published once on the bus.
    await stack.streamPump.pollOnce();
    const published = await caseOpenedEvents();
    for (const c of cases) expect(published.filter((id) => id === c.caseId)).toHaveLength(1);
  });

  it('sends a poison message to the DLQ on its own while the rest of its batch is triaged', async () => {
    await drainQueue(stack.sqs, stack.queues.triage.url);
    const dlqBefore = (await triageDepth()).deadLettered;
    const valid = await post(
      { touchpoint: 'delivery', channel: 'sms', rating: { type: 'nps', score: 0 }, comment: '配送が遅い' },
      'poison-neighbour',
    );
    await eventually(async () => expect((await triageDepth()).visible).toBe(1));
    await send('{"type":"feedback.received","version":1,"feedbackId":"fb_missing"}');
    await send('this is not JSON');
    await eventually(async () => expect((await triageDepth()).visible).toBe(3));

    const seen = await stack.triagePump.pollOnce();

    expect(seen).toBe(3);
    expect((await listCases()).some((c) => c.feedbackId === valid)).toBe(true);
    // Both poison messages come back (after ~1 s locally) until maxReceiveCount, then the DLQ.
    await eventually(
      async () => {
        await stack.triagePump.pollOnce(1);
        const depth = await triageDepth();
        expect(depth.deadLettered).toBe(dlqBefore + 2);
        expect(depth.visible + depth.inFlight).toBe(0);
      },
      25_000,
      100,
    );
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queues.triage.dlqUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body).sort()).toEqual(
      ['{"type":"feedback.received","version":1,"feedbackId":"fb_missing"}', 'this is not JSON'].sort(),
    );
  });
});
