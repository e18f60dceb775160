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

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const siteKey = 'public-key';
const serverKey = 'server-secret';
const sites = [
  {
    id: 'shop-jp',
    origins: ['https://shop.example.jp'],
    // Both keys are being rotated: the new one's hash first, then the old one's.
    siteKeyHash: [sha256Hex('public-key-new'), sha256Hex(siteKey)],
    serverKeyHash: [sha256Hex('server-secret-new'), sha256Hex(serverKey)],
  },
  {
    id: 'bot-checked',
    origins: ['https://guarded.example.jp'],
    siteKeyHash: sha256Hex(siteKey),
    botCheck: { kind: 'turnstile' as const, siteKey: 'ts-site', secretName: 'ts-secret' },
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
const headers = {
  'content-type': 'application/json',
  'x-site-key': siteKey,
  origin: 'https://shop.example.jp',
};
const fromBackend = { 'content-type': 'application/json', 'x-server-key': serverKey };
/** Bot check tokens the fake checker passes; every other token fails. */
const goodBotTokens = new Set(['human']);
const botChecks: { siteId: string; token: string; remoteIp?: string }[] = [];

const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
const clock = new VirtualClock(new Date('2026-11-20T08:30:00Z'));
const handler = makeIngestHandler({
  sites,
  feedback: dynamoFeedbackStore(db, 'table', 730),
  botCheck: async (check) => {
    botChecks.push(check);
    return goodBotTokens.has(check.token)
      ? { passed: true }
      : { passed: false, reason: 'invalid-input-response' };
  },
  clock,
  newId: () => 'fixed-id',
});

const post = (
  over: { headers?: Record<string, string>; body?: unknown; base?: Record<string, string> } = {},
) =>
  handler(
    httpEvent({
      headers: { ...(over.base ?? headers), ...over.headers },
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
  botChecks.length = 0;
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
    ['no site key', { 'x-site-key': '' }, 401, 'unauthorized'],
    ['a wrong site key', { 'x-site-key': 'guess' }, 401, 'unauthorized'],
    ['an origin the site does not allow', { origin: 'https://evil.example' }, 403, 'forbidden'],
  ])('refuses %s', async (_what, extra, status, error) => {
    const result = await post({ headers: extra });

    expect(result.statusCode).toBe(status);
    expect(parse(result).error).toBe(error);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 403 origin_required for the site key without an Origin (not a browser), storing nothing', async () => {
    const { origin: _origin, ...noOrigin } = headers;

    const result = await post({ base: noOrigin });

    expect(result.statusCode).toBe(403);
    expect(parse(result)).toMatchObject({ error: 'origin_required' });
    expect(parse(result).message).toContain('X-Server-Key');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('stores feedback sent with the server key and no Origin as vouched (keyKind server)', async () => {
    const result = await post({ base: fromBackend });

    expect(result.statusCode).toBe(202);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ keyKind: 'server' });
  });

  it('marks feedback sent with the public key as keyKind site', async () => {
    await post();

    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ keyKind: 'site' });
  });

  it('accepts both site keys during a rotation and refuses a third', async () => {
    const keys = ['public-key-new', siteKey, 'public-key-older'];

    const answers = await Promise.all(keys.map((key) => post({ headers: { 'x-site-key': key } })));

    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 401]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('accepts both server keys during a rotation and refuses a third', async () => {
    const next = await post({ base: { ...fromBackend, 'x-server-key': 'server-secret-new' } });
    const previous = await post({ base: fromBackend });
    const other = await post({ base: { ...fromBackend, 'x-server-key': 'server-secret-older' } });

    expect([next.statusCode, previous.statusCode, other.statusCode]).toEqual([202, 202, 401]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('answers 403 wrong_key_kind for the server key sent from a browser (with an Origin)', async () => {
    const result = await post({ base: { ...fromBackend, origin: 'https://shop.example.jp' } });

    expect(result.statusCode).toBe(403);
    expect(parse(result).error).toBe('wrong_key_kind');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses the public key in the server-key header: it does not match the server key', async () => {
    const result = await post({ base: { ...fromBackend, 'x-server-key': siteKey } });

    expect(result.statusCode).toBe(401);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 400 when both keys are sent, naming the header', async () => {
    const result = await post({ headers: { 'x-server-key': serverKey } });

    expect(result.statusCode).toBe(400);
    expect(parse(result).issues[0].path).toBe('header:X-Server-Key');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 401 for a server key on a site that has none', async () => {
    const result = await post({ base: fromBackend, body: { ...body, siteId: 'bot-checked' } });

    expect(result.statusCode).toBe(401);
  });

  describe('on a site with a bot check', () => {
    const guarded = { ...headers, origin: 'https://guarded.example.jp' };
    const guardedBody = { ...body, siteId: 'bot-checked' };

    it('stores the feedback when the token passes, passing the client address to the checker', async () => {
      const result = await post({ base: guarded, headers: { 'x-bot-token': 'human' }, body: guardedBody });

      expect(result.statusCode).toBe(202);
      expect(botChecks).toEqual([{ siteId: 'bot-checked', token: 'human', remoteIp: '127.0.0.1' }]);
    });

    it.each([
      ['no token', {}],
      ['a refused token', { 'x-bot-token': 'bot' }],
    ])('answers 403 bot_check_failed for %s, storing nothing', async (_what, extra) => {
      const result = await post({ base: guarded, headers: extra, body: guardedBody });

      expect(result.statusCode).toBe(403);
      expect(parse(result).error).toBe('bot_check_failed');
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('answers 503 when the checker cannot be reached, storing nothing', async () => {
      const unreachable = makeIngestHandler({
        sites,
        feedback: dynamoFeedbackStore(db, 'table', 730),
        botCheck: async () => {
          throw new Error('connect ECONNREFUSED');
        },
        clock,
        newId: () => 'fixed-id',
      });

      const result = await unreachable(
        httpEvent({ headers: { ...guarded, 'x-bot-token': 'human' }, body: JSON.stringify(guardedBody) }),
      );

      expect(result.statusCode).toBe(503);
      expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('does not check server-key requests of other sites, nor sites without a bot check', async () => {
      await post({ base: fromBackend });
      await post();

      expect(botChecks).toEqual([]);
    });
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
