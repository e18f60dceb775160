import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeIngestHandler, maxBodyBytes } from '../../functions/ingest/handler.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { httpEvent } from '../support/http-events.ts';

const siteKey = 'secret-key';
const sites = [
  {
    id: 'shop-jp',
    origins: ['https://shop.example.jp'],
    siteKeyHash: createHash('sha256').update(siteKey).digest('hex'),
  },
];
const body = {
  siteId: 'shop-jp',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: 3 },
  comment: '支払い方法が選べませんでした',
  reasons: ['payment_method_unavailable'],
};
const headers = { 'content-type': 'application/json', 'x-site-key': siteKey };

const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
const clock = new VirtualClock(new Date('2026-11-20T08:30:00Z'));
const handler = makeIngestHandler({
  sites,
  feedback: dynamoFeedbackStore(db, 'table', 730),
  clock,
  newId: () => 'fixed-id',
});

const post = (over: { headers?: Record<string, string>; body?: unknown } = {}) =>
  handler(
    httpEvent({
      headers: { ...headers, ...over.headers },
      body: typeof over.body === 'string' ? over.body : JSON.stringify(over.body ?? body),
    }),
  );
const parse = (result: { body?: string }) => JSON.parse(result.body ?? '{}');

/** From now on the conditional put fails, answering the item the first put stored (as DynamoDB does). */
function tableNowHoldsFirstPut() {
  const item = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
  ddb.on(PutCommand).rejects(
    new ConditionalCheckFailedException({
      message: 'exists',
      $metadata: {},
      Item: marshall(item, { removeUndefinedValues: true }),
    }),
  );
}

beforeEach(() => {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
});

describe('POST /v1/feedback', () => {
  it('stores the feedback conditionally and answers 202 with its id', async () => {
    const result = await post();

    expect(result.statusCode).toBe(202);
    expect(parse(result)).toEqual({ feedbackId: 'fb_fixed-id', status: 'received' });
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put.Item).toMatchObject({
      pk: 'FEEDBACK#fb_fixed-id',
      type: 'feedback',
      siteId: 'shop-jp',
      receivedAt: '2026-11-20T08:30:00.000Z',
      expiresAt: Date.parse('2026-11-20T08:30:00Z') / 1000 + 730 * 86_400,
    });
  });

  it('derives the same id from the same Idempotency-Key', async () => {
    const first = parse(await post({ headers: { 'idempotency-key': 'k-1' } }));
    const second = parse(await post({ headers: { 'idempotency-key': 'k-1' } }));

    expect(first.feedbackId).toMatch(/^fb_/);
    expect(second.feedbackId).toBe(first.feedbackId);
  });

  it('answers the stored id when the key and body were seen before', async () => {
    const stored = parse(await post({ headers: { 'idempotency-key': 'k-2' } }));
    tableNowHoldsFirstPut();
    const { siteId, ...rest } = body;
    const reordered = { ...rest, siteId };

    const result = await post({ headers: { 'idempotency-key': 'k-2' }, body: reordered });

    expect(result.statusCode).toBe(202);
    expect(parse(result).feedbackId).toBe(stored.feedbackId);
  });

  it('answers 409 when the key is reused with another body', async () => {
    await post({ headers: { 'idempotency-key': 'k-3' } });
    tableNowHoldsFirstPut();

    const result = await post({ headers: { 'idempotency-key': 'k-3' }, body: { ...body, comment: 'other' } });

    expect(result.statusCode).toBe(409);
    expect(parse(result).error).toBe('idempotency_conflict');
  });

  it('answers 400 naming each problem and stores nothing', async () => {
    const result = await post({
      body: {
        siteId: 'shop-jp',
        touchpoint: 'x',
        channel: 'fax',
        rating: { type: 'nps', score: 11 },
        extra: 1,
      },
    });

    expect(result.statusCode).toBe(400);
    const { error, issues } = parse(result);
    expect(error).toBe('validation_failed');
    expect(issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'channel', 'rating.score']);
    expect(issues.find((i: { path: string }) => i.path === '').message).toContain('extra');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 400 when nothing but ids is sent', async () => {
    const result = await post({ body: { siteId: 'shop-jp', touchpoint: 'delivery', channel: 'app' } });

    expect(result.statusCode).toBe(400);
    expect(parse(result).issues).toEqual([
      { path: '', message: 'at least one of rating, comment, reasons is required' },
    ]);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const result = await post({ body: '{"siteId":' });

    expect(result.statusCode).toBe(400);
    expect(parse(result).issues[0].message).toContain('not valid');
  });

  it('answers 400 for a malformed Idempotency-Key', async () => {
    const result = await post({ headers: { 'idempotency-key': 'has space' } });

    expect(result.statusCode).toBe(400);
    expect(parse(result).issues[0].path).toBe('header:Idempotency-Key');
  });

  it.each([
    ['no site key', { 'x-site-key': '' }, 401],
    ['a wrong site key', { 'x-site-key': 'guess' }, 401],
    ['an origin the site does not allow', { origin: 'https://evil.example' }, 403],
  ])('refuses %s', async (_what, extra, status) => {
    const result = await post({ headers: extra });

    expect(result.statusCode).toBe(status);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses an unknown site with 401', async () => {
    const result = await post({ body: { ...body, siteId: 'other-site' } });

    expect(result.statusCode).toBe(401);
  });

  it('answers 413 above 16 KiB and 415 for other media types', async () => {
    const big = await post({ body: { ...body, comment: 'あ'.repeat(maxBodyBytes / 3 + 10) } });
    const text = await post({ headers: { 'content-type': 'text/plain' } });

    expect(big.statusCode).toBe(413);
    expect(text.statusCode).toBe(415);
  });

  it('accepts a JSON content type with a charset', async () => {
    const result = await post({ headers: { 'content-type': 'application/json; charset=utf-8' } });

    expect(result.statusCode).toBe(202);
  });

  it('answers 503 and no success when the table is unavailable', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    const result = await post();

    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
  });

  it('echoes CORS headers for an allowed origin', async () => {
    const result = await post({ headers: { origin: 'https://shop.example.jp' } });

    expect(result.statusCode).toBe(202);
    expect(result.headers['access-control-allow-origin']).toBe('https://shop.example.jp');
  });
});

describe('OPTIONS /v1/feedback (CORS preflight)', () => {
  const preflight = (origin: string) =>
    handler(httpEvent({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } }));

  it('allows a configured origin', async () => {
    const result = await preflight('https://shop.example.jp');

    expect(result.statusCode).toBe(204);
    expect(result.headers['access-control-allow-origin']).toBe('https://shop.example.jp');
    expect(result.headers['access-control-allow-headers']).toContain('x-site-key');
  });

  it('refuses any other origin without CORS headers', async () => {
    const result = await preflight('https://evil.example');

    expect(result.statusCode).toBe(403);
    expect(result.headers['access-control-allow-origin']).toBeUndefined();
  });
});
