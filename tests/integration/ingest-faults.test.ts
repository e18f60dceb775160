import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { countItems, drainQueue, eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/** Fails the named commands while `down` is true, as an outage of that service would. */
class Outage {
  down = false;
  hits = 0;
  constructor(private readonly commands: string[]) {}

  attach(client: SQSClient | DynamoDBStreamsClient) {
    (client as SQSClient).middlewareStack.add(
      (next, context) => async (args) => {
        if (this.down && this.commands.includes(context.commandName ?? '')) {
          this.hits++;
          throw Object.assign(new Error(`injected outage of ${context.commandName}`), {
            name: 'ServiceUnavailable',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectedOutage' },
    );
  }
}

const sqsOutage = new Outage(['SendMessageCommand']);
const streamOutage = new Outage(['GetRecordsCommand', 'GetShardIteratorCommand']);
let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({
    // These tests read the triage queue themselves, so triage must not consume it.
    triagePump: false,
    onClient: (name, client) => {
      if (name === 'sqs') sqsOutage.attach(client as SQSClient);
      if (name === 'streams') streamOutage.attach(client as DynamoDBStreamsClient);
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const body = (comment: string) => ({
  siteId: 'shop-jp',
  touchpoint: 'delivery',
  channel: 'app',
  rating: { type: 'csat', score: 1 },
  comment,
});

describe('delivery to triage through outages (invariant 1)', () => {
  it('delivers exactly one triage message after the queue recovers from failing sends', async () => {
    sqsOutage.down = true;

    const response = await postFeedback(stack, body('届かない'), { 'idempotency-key': 'outage-sqs' });
    const { feedbackId } = (await response.json()) as { feedbackId: string };
    await eventually(() => expect(sqsOutage.hits).toBeGreaterThanOrEqual(3));
    expect(response.status).toBe(202);
    expect(await drainQueue(stack.sqs, stack.queues.triage.url)).toEqual([]);

    sqsOutage.down = false;
    const delivered = await eventually(async () => {
      const got = await drainQueue(stack.sqs, stack.queues.triage.url);
      expect(got).toHaveLength(1);
      return got;
    });
    await stack.streamPump.pollOnce();
    await stack.streamPump.pollOnce();

    expect(delivered).toEqual([{ type: 'feedback.received', version: 1, feedbackId }]);
    expect(await drainQueue(stack.sqs, stack.queues.triage.url)).toEqual([]);
  });

  it('delivers exactly one triage message after the stream poll recovers', async () => {
    streamOutage.down = true;

    const response = await postFeedback(stack, body('壊れていた'), { 'idempotency-key': 'outage-stream' });
    const { feedbackId } = (await response.json()) as { feedbackId: string };
    await eventually(() => expect(streamOutage.hits).toBeGreaterThanOrEqual(3));
    expect(await drainQueue(stack.sqs, stack.queues.triage.url)).toEqual([]);

    streamOutage.down = false;
    const delivered = await eventually(async () => {
      const got = await drainQueue(stack.sqs, stack.queues.triage.url);
      expect(got).toHaveLength(1);
      return got;
    });
    await stack.streamPump.pollOnce();

    expect(delivered).toEqual([{ type: 'feedback.received', version: 1, feedbackId }]);
    expect(await drainQueue(stack.sqs, stack.queues.triage.url)).toEqual([]);
    expect(await countItems(stack, 'feedback')).toBe(2);
  });
});
