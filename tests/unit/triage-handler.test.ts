import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeTriageHandler, parseTriageMessage } from '../../functions/triage/handler.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../../shared/adapters/triage-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { PoisonMessage } from '../../shared/domain/errors.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { toItem } from '../../shared/repository/feedback-item.ts';
import { metricShardOf } from '../../shared/repository/metric-item.ts';

const config = loadConfigFile('closeloop.config.example.json');
const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
const table = 'closeloop-test';
const handler = makeTriageHandler({
  feedback: dynamoFeedbackReader(db, table),
  assignments: dynamoAssignmentReader(db, table),
  store: dynamoTriageStore(db, table, 730),
  clock: new VirtualClock(new Date('2026-11-18T02:00:00Z')),
  config,
  maxAttempts: 3,
  backoff: async () => {},
});

/** A web-team (round robin) critical feedback with consent: every kind of transaction item. */
const webFeedback = (feedbackId: string): Feedback => ({
  feedbackId,
  receivedAt: '2026-11-18T01:00:00.000Z',
  bodyHash: 'h',
  siteId: 'shop-jp',
  touchpoint: 'account_creation',
  channel: 'web',
  rating: { type: 'thumbs', score: 0 },
  comment: 'ログインできない',
  reasons: ['login_problem', 'site_hard_to_use'],
  customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
});

const stored = new Map<string, Feedback>();

const record = (id: string, body: string): SQSRecord => ({
  messageId: id,
  receiptHandle: `rh-${id}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '0',
    SenderId: 'test',
    ApproximateFirstReceiveTimestamp: '0',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:ap-northeast-1:123456789012:closeloop-dev-triage',
  awsRegion: 'ap-northeast-1',
});
const received = (feedbackId: string) =>
  JSON.stringify({ type: 'feedback.received', version: 1, feedbackId });
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

type Items = NonNullable<TransactWriteCommandInput['TransactItems']>;
const cursorIndex = (items: Items) => items.findIndex((i) => i.Update?.Key?.sk === 'CURSOR');
const refIndex = (items: Items) => items.findIndex((i) => i.Put?.Item?.sk === 'REF');
const markerIndex = (items: Items) => items.findIndex((i) => i.Put?.Item?.sk === 'TRIAGED');

/** What DynamoDB answers when item `failedAt` of the transaction failed its condition. */
function cancelled(items: Items, failedAt: number, code = 'ConditionalCheckFailed') {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}]`,
    $metadata: {},
    CancellationReasons: items.map((_, i) =>
      i === failedAt ? { Code: code, Message: 'The conditional request failed' } : { Code: 'None' },
    ),
  });
}

beforeEach(() => {
  ddb.reset();
  stored.clear();
  for (const id of ['fb_a', 'fb_b', 'fb_c']) stored.set(id, webFeedback(id));
  ddb.on(GetCommand).callsFake((input) => {
    const id = String(input.Key.pk).replace('FEEDBACK#', '');
    const fb = stored.get(id);
    return { Item: fb ? toItem(fb, 730) : undefined };
  });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(TransactWriteCommand).resolves({});
});

describe('parseTriageMessage', () => {
  it('accepts feedback.received v1 and refuses anything else as poison', () => {
    expect(parseTriageMessage(received('fb_a'))).toBe('fb_a');
    expect(() => parseTriageMessage('not json')).toThrow(PoisonMessage);
    expect(() => parseTriageMessage('{"type":"feedback.received","version":2,"feedbackId":"x"}')).toThrow(
      /version/,
    );
    expect(() => parseTriageMessage('{"type":"something.else","version":1,"feedbackId":"x"}')).toThrow(
      PoisonMessage,
    );
    expect(() => parseTriageMessage('{"type":"feedback.received","version":1}')).toThrow(/feedbackId/);
  });
});

describe('the triage handler (SQS, partial batch failures)', () => {
  it('reports only the poison messages as failures and triages the rest of the batch', async () => {
    const result = await handler(
      batch(
        record('m1', received('fb_a')),
        record('m2', 'this is not json'),
        record('m3', '{"type":"feedback.received","version":9,"feedbackId":"fb_b"}'),
        record('m4', received('fb_missing')),
        record('m5', received('fb_c')),
      ),
    );

    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }, { itemIdentifier: 'm4' }],
    });
    const written = ddb
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems?.[0]?.Put?.Item?.pk);
    expect(written).toEqual(['FEEDBACK#fb_a', 'FEEDBACK#fb_c']);
  });

  it('reads the feedback with a strongly consistent read', async () => {
    await handler(batch(record('m1', received('fb_a'))));

    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({
      TableName: table,
      Key: { pk: 'FEEDBACK#fb_a', sk: 'FEEDBACK' },
      ConsistentRead: true,
    });
  });

  it('writes case, timeline, marker, assignment, counters and outbox in one conditional transaction', async () => {
    await handler(batch(record('m1', received('fb_a'))));

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const items = calls[0]!.args[0].input.TransactItems ?? [];
    const puts = items.flatMap((i) => (i.Put ? [i.Put] : []));
    const updates = items.flatMap((i) => (i.Update ? [i.Update] : []));
    expect(puts.map((p) => [p.Item?.pk, p.Item?.sk, p.ConditionExpression])).toEqual([
      ['FEEDBACK#fb_a', 'TRIAGED', 'attribute_not_exists(pk)'],
      ['CASE#case_a', 'CASE', 'attribute_not_exists(pk)'],
      [expect.stringMatching(/^REF#CL-[2-9A-HJKMNP-TV-Z]{5}$/), 'REF', 'attribute_not_exists(pk)'],
      ['CASE#case_a', 'EVENT#2026-11-18T02:00:00.000Z#00', undefined],
      ['CASE#case_a', 'EVENT#2026-11-18T02:00:00.000Z#01', undefined],
      ['OUTBOX#event:case.opened:case_a', 'OUTBOX', undefined],
      ['OUTBOX#notice:case_a:staff_new_critical:opened', 'OUTBOX', undefined],
      ['OUTBOX#notice:case_a:customer_received:received', 'OUTBOX', undefined],
    ]);
    expect(puts[2]!.Item).toEqual({
      pk: `REF#${puts[1]!.Item?.ref}`,
      sk: 'REF',
      type: 'caseRef',
      ref: puts[1]!.Item?.ref,
      caseId: 'case_a',
      createdAt: '2026-11-18T02:00:00.000Z',
    });
    expect(puts.slice(5).map((p) => p.Item?.target)).toEqual(['bus', 'notify', 'notify']);
    expect(puts[3]!.Item).toMatchObject({
      type: 'event',
      eventType: 'opened',
      actor: 'system:triage',
      via: 'triage',
    });
    // The counters go to the feedback's shard of each key (the same one on every retry).
    const shard = metricShardOf('fb_a');
    expect(updates.map((u) => `${u.Key?.pk} ${u.Key?.sk}`)).toEqual([
      'TEAM#web CURSOR',
      'TEAM#web OPEN#sato',
      `METRIC#combined#2026-W47 KEY#account_creation|web|web#${shard}`,
      `METRIC#reason#2026-W47 KEY#login_problem#${shard}`,
      `METRIC#reason#2026-W47 KEY#site_hard_to_use#${shard}`,
      // The customer named no `since`: their cohort is unknown.
      `METRIC#cohort#2026-W47 KEY#unknown#${shard}`,
    ]);
    expect(updates[0]!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(updates[2]!.UpdateExpression).toMatch(/ADD .*#responses :responses/);
    expect(updates[2]!.ExpressionAttributeValues).toMatchObject({
      ':responses': 1,
      ':negative': 1,
      ':cases': 1,
    });
  });

  it('claims a new, longer reference when the one drawn belongs to another case', async () => {
    ddb.on(TransactWriteCommand).callsFakeOnce((input: TransactWriteCommandInput) => {
      const items = input.TransactItems ?? [];
      throw cancelled(items, refIndex(items));
    });

    const result = await handler(batch(record('m1', received('fb_a'))));

    expect(result).toEqual({ batchItemFailures: [] });
    const refs = ddb.commandCalls(TransactWriteCommand).map((c) => {
      const items = c.args[0].input.TransactItems ?? [];
      return items[refIndex(items)]?.Put?.Item?.ref;
    });
    expect(refs).toEqual([
      expect.stringMatching(/^CL-[2-9A-HJKMNP-TV-Z]{5}$/),
      expect.stringMatching(/^CL-[2-9A-HJKMNP-TV-Z]{6}$/),
    ]);
  });

  it('treats a transaction cancelled by the existing triage marker as done (a redelivery), not a failure', async () => {
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      const items = input.TransactItems ?? [];
      throw cancelled(items, markerIndex(items));
    });

    const result = await handler(batch(record('m1', received('fb_a')), record('m2', received('fb_b'))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('retries a lost round-robin race with a fresh read of the cursor', async () => {
    let calls = 0;
    ddb.on(QueryCommand).callsFake(() => ({
      Items:
        calls === 0 ? [] : [{ pk: 'TEAM#web', sk: 'CURSOR', type: 'cursor', lastMemberId: 'sato', seq: 1 }],
    }));
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      calls += 1;
      const items = input.TransactItems ?? [];
      if (calls === 1) throw cancelled(items, cursorIndex(items));
      return {};
    });

    const result = await handler(batch(record('m1', received('fb_a'))));

    expect(result).toEqual({ batchItemFailures: [] });
    const [first, second] = ddb
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems ?? []);
    expect(first![cursorIndex(first!)]!.Update).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      ExpressionAttributeValues: { ':member': 'sato', ':next': 1 },
    });
    expect(second![cursorIndex(second!)]!.Update).toMatchObject({
      ConditionExpression: '#seq = :expected',
      ExpressionAttributeValues: { ':member': 'suzuki', ':next': 2, ':expected': 1 },
    });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(2);
  });

  it('fails only that record when the race is lost every time, so SQS retries it later', async () => {
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      const items = input.TransactItems ?? [];
      if (items[0]?.Put?.Item?.pk === 'FEEDBACK#fb_a') throw cancelled(items, cursorIndex(items));
      return {};
    });

    const result = await handler(batch(record('m1', received('fb_a')), record('m2', received('fb_b'))));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    const forA = ddb
      .commandCalls(TransactWriteCommand)
      .filter((c) => c.args[0].input.TransactItems?.[0]?.Put?.Item?.pk === 'FEEDBACK#fb_a');
    expect(forA).toHaveLength(3); // maxAttempts
  });

  it('retries a transaction that collided with a concurrent one on a shared counter', async () => {
    let calls = 0;
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      calls += 1;
      const items = input.TransactItems ?? [];
      if (calls === 1) throw cancelled(items, items.length - 1, 'TransactionConflict');
      return {};
    });

    const result = await handler(batch(record('m1', received('fb_a'))));

    expect(result).toEqual({ batchItemFailures: [] });
    expect(calls).toBe(2);
  });

  it('fails the record on any other DynamoDB error (SQS redelivers it)', async () => {
    ddb.on(TransactWriteCommand).rejects(
      Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
      }),
    );

    const result = await handler(batch(record('m1', received('fb_a')), record('m2', 'poison')));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
  });
});
