import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { countItems, exampleConfig, startTestStack } from '../support/local-stack.ts';

/**
 * The local stand-in for WAF's rate-based rules, over real HTTP: public-key posts are limited per
 * client address over a sliding minute (`intake.limits.perClientPerMinute`, 30 by default),
 * server-key posts per site (`serverPerSitePerMinute`), and `CLOSELOOP_INTAKE_LIMITS=off` leaves
 * the limits out. The clock is the stack's virtual one: nothing here waits for a minute to pass.
 */
const opened = new Date('2026-11-24T01:00:00.000Z');
const serverPerSitePerMinute = 40;
const body = {
  siteId: 'shop-jp',
  touchpoint: 'post_purchase',
  channel: 'web',
  rating: { type: 'nps', score: 9 },
};

let posts = 0;
/** A public-key post as the widget on the stack's own page makes it (its origin is allowed). */
function postPublic(stack: LocalStack): Promise<Response> {
  const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
  return fetch(`${stack.url}/v1/feedback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-site-key': site.siteKey,
      origin: new URL(stack.url).origin,
      'idempotency-key': `public-${posts++}`,
    },
    body: JSON.stringify(body),
  });
}

/** A server-to-server post with the site's local server key (no Origin). */
function postWithServerKey(stack: LocalStack): Promise<Response> {
  return fetch(`${stack.url}/v1/feedback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-server-key': 'sv_local_shop-jp',
      'idempotency-key': `server-${posts++}`,
    },
    body: JSON.stringify(body),
  });
}

async function statusesOf(n: number, post: () => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await post()).status);
  return statuses;
}

/** Moves the stack's clock as `POST /__local/clock` does (a jump, minute by minute). */
async function advanceMinutes(stack: LocalStack, minutes: number): Promise<void> {
  const moved = await fetch(`${stack.url}/__local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMinutes: minutes }),
  });
  expect(moved.status).toBe(200);
}

describe('intake limits on the local stack (on by default)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // The suites turn the limits off in vitest.config.ts; this stack has the default.
    vi.stubEnv('CLOSELOOP_INTAKE_LIMITS', undefined);
    const config = exampleConfig();
    stack = await startTestStack({
      config: {
        ...config,
        intake: { ...config.intake, limits: { ...config.intake.limits, serverPerSitePerMinute } },
      },
      clock: new VirtualClock(opened),
      pumps: false,
      schedule: false,
    });
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers the 31st public-key post of a client within a minute 429 with Retry-After, storing nothing', async () => {
    await advanceMinutes(stack, 1); // a minute of its own: no earlier post counts
    const storedBefore = await countItems(stack, 'feedback');
    const first30 = await statusesOf(30, () => postPublic(stack));

    const refused = await postPublic(stack);

    expect(first30).toEqual(Array(30).fill(202));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(await refused.json()).toMatchObject({ error: 'rate_limited', message: expect.any(String) });
    expect((await countItems(stack, 'feedback')) - storedBefore).toBe(30);
  });

  it('accepts the client again once the clock moves past the window', async () => {
    await advanceMinutes(stack, 1);
    await statusesOf(31, () => postPublic(stack));

    await advanceMinutes(stack, 1);
    const again = await statusesOf(30, () => postPublic(stack));

    expect(again).toEqual(Array(30).fill(202));
  });

  it('does not limit server-key posts per client, only per site at its quota', async () => {
    await advanceMinutes(stack, 1);

    const quota = await statusesOf(serverPerSitePerMinute, () => postWithServerKey(stack));
    const overQuota = await postWithServerKey(stack);
    const publicFromSameClient = await postPublic(stack);

    // What ingest answers a server key is its own business; the front let every one through.
    expect(quota.filter((s) => s === 429)).toEqual([]);
    expect(overQuota.status).toBe(429);
    expect(overQuota.headers.get('retry-after')).toBe('60');
    expect(publicFromSameClient.status).toBe(202);
  });
});

describe('CLOSELOOP_INTAKE_LIMITS=off', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    vi.stubEnv('CLOSELOOP_INTAKE_LIMITS', 'off');
    stack = await startTestStack({ clock: new VirtualClock(opened), pumps: false, schedule: false });
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lets 100 public-key posts of one client through within a minute', async () => {
    const statuses = await statusesOf(100, () => postPublic(stack));

    expect(statuses).toEqual(Array(100).fill(202));
    expect(await countItems(stack, 'feedback')).toBe(100);
  });
});
