import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { countItems, exampleConfig, postFeedback, startTestStack } from '../support/local-stack.ts';
import { startSiteverifyPeer } from '../support/siteverify-peer.ts';

/** The two site credentials and the bot check, through the local stack's real HTTP front. */
let stack: LocalStack;
let siteverify: Awaited<ReturnType<typeof startSiteverifyPeer>>;
// The local stack's Turnstile secret is Cloudflare's documented always-pass test secret.
const localSecret = '1x0000000000000000000000000000000AA';

const feedback = (siteId: string) => ({
  siteId,
  touchpoint: 'delivery',
  channel: 'web',
  rating: { type: 'csat', score: 4 },
});

beforeAll(async () => {
  siteverify = await startSiteverifyPeer({ secret: localSecret, passing: ['human-token'] });
  const config = exampleConfig();
  config.sites = config.sites.map((s) =>
    s.id === 'shop-en'
      ? { ...s, botCheck: { kind: 'turnstile', siteKey: '0x4AAAA-test', secretName: 'unused' } }
      : s,
  );
  stack = await startTestStack({ config, botCheckUrl: siteverify.url });
});
afterAll(async () => {
  await stack?.stop();
  await siteverify?.stop();
});

describe('site key and server key', () => {
  it('lists each site with its public site key and its secret server key', async () => {
    const sites = (await (await fetch(`${stack.url}/__local/sites`)).json()) as Record<string, unknown>[];

    expect(sites.find((s) => s.siteId === 'shop-jp')).toMatchObject({
      siteKey: 'sk_local_shop-jp',
      serverKey: 'sv_local_shop-jp',
    });
  });

  it('answers 403 origin_required for the site key without an Origin, storing nothing', async () => {
    const before = await countItems(stack, 'feedback');

    const response = await postFeedback(stack, feedback('shop-jp'), { origin: '' });

    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('origin_required');
    expect(await countItems(stack, 'feedback')).toBe(before);
  });

  it('answers 403 wrong_key_kind for the server key sent with an Origin', async () => {
    const response = await postFeedback(
      stack,
      feedback('shop-jp'),
      { origin: 'https://shop.example.jp' },
      { key: 'server' },
    );

    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe('wrong_key_kind');
  });

  it('accepts the server key from a backend (no Origin)', async () => {
    const response = await postFeedback(stack, feedback('shop-jp'), {}, { key: 'server' });

    expect(response.status).toBe(202);
  });
});

describe('the bot check of a site that names a Turnstile key', () => {
  it('answers 403 bot_check_failed without a token or with a refused one, storing nothing', async () => {
    const before = await countItems(stack, 'feedback');

    const none = await postFeedback(stack, feedback('shop-en'));
    const forged = await postFeedback(stack, feedback('shop-en'), { 'x-bot-token': 'forged' });

    expect([none.status, forged.status]).toEqual([403, 403]);
    expect(((await forged.json()) as { error: string }).error).toBe('bot_check_failed');
    expect(await countItems(stack, 'feedback')).toBe(before);
  });

  it('stores the feedback when siteverify passes the token', async () => {
    const response = await postFeedback(stack, feedback('shop-en'), { 'x-bot-token': 'human-token' });

    expect(response.status).toBe(202);
    expect(siteverify.requests.at(-1)).toMatchObject({ secret: localSecret, response: 'human-token' });
  });

  it('needs no token with the server key (a backend is no bot)', async () => {
    const response = await postFeedback(stack, feedback('shop-en'), {}, { key: 'server' });

    expect(response.status).toBe(202);
  });

  it('answers 503 with Retry-After when siteverify cannot answer, storing nothing', async () => {
    const before = await countItems(stack, 'feedback');
    siteverify.fail();

    const response = await postFeedback(stack, feedback('shop-en'), { 'x-bot-token': 'human-token' });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await countItems(stack, 'feedback')).toBe(before);
  });
});
