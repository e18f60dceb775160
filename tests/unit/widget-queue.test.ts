import { describe, expect, it } from 'vitest';
import type { FeedbackBody } from '../../web/widget/payload.ts';
import { type KeyValueStore, maxPending, type Pending, PendingQueue } from '../../web/widget/pending.ts';
import { maxAgeMs } from '../../web/widget/retry.ts';
import { type BotCheck, type Fetch, type HttpAnswer, Sender } from '../../web/widget/sender.ts';

/** localStorage as the browser keeps it: strings under keys, surviving a reload. */
class MemoryStorage implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
}

const body: FeedbackBody = {
  siteId: 'shop-jp',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: 3 },
};
const t0 = Date.parse('2026-11-20T01:00:00Z');
const pending = (key: string, over: Partial<Pending> = {}): Pending => ({
  key,
  url: 'http://api.example/v1/feedback',
  siteKey: 'sk_test',
  body,
  createdAt: t0,
  attempts: 0,
  nextAt: t0,
  ...over,
});

describe('the pending answers in localStorage', () => {
  it('survive a reload with their Idempotency-Key and body', () => {
    const storage = new MemoryStorage();
    new PendingQueue(storage).put(pending('key-1'));

    const afterReload = new PendingQueue(storage);

    expect(afterReload.list()).toEqual([pending('key-1')]);
  });

  it('replace an entry of the same key and drop the oldest beyond the cap', () => {
    const queue = new PendingQueue(new MemoryStorage());
    for (let i = 0; i < maxPending + 5; i++) queue.put(pending(`key-${i}`));
    queue.put(pending('key-24', { attempts: 3 }));

    const keys = queue.list().map((p) => p.key);

    expect(keys).toHaveLength(maxPending);
    expect(keys[0]).toBe('key-5');
    expect(queue.list().filter((p) => p.key === 'key-24')).toEqual([pending('key-24', { attempts: 3 })]);
  });

  it('hand out what is due, give up what is too old, and ignore the schedule when asked', () => {
    const queue = new PendingQueue(new MemoryStorage());
    queue.put(pending('due'));
    queue.put(pending('later', { nextAt: t0 + 60_000 }));
    queue.put(pending('stale', { createdAt: t0 - maxAgeMs }));

    expect(queue.due(t0).map((p) => p.key)).toEqual(['due']);
    expect(queue.due(t0, true).map((p) => p.key)).toEqual(['due', 'later']);
    expect(queue.list().map((p) => p.key)).toEqual(['due', 'later']);
  });

  it('ignore garbage in storage and keep working in memory when storage fails', () => {
    const garbage = new MemoryStorage();
    garbage.setItem('closeloop.pending.v1', '[{"key":1},"x"]');
    const blocked: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const memoryOnly = new PendingQueue(blocked);
    memoryOnly.put(pending('key-1'));

    expect(new PendingQueue(garbage).list()).toEqual([]);
    expect(memoryOnly.list().map((p) => p.key)).toEqual(['key-1']);
  });
});

/** A scripted server: answers in order, remembering each request. */
function server(
  ...answers: (
    | number
    | 'network'
    | [number, Record<string, string>]
    | [number, Record<string, string>, unknown]
  )[]
) {
  const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
  const fetch: Fetch = async (url, init) => {
    requests.push({ url, headers: init.headers, body: init.body });
    const next = answers.shift() ?? 202;
    if (next === 'network') throw new TypeError('Failed to fetch');
    const [status, headers, json] = Array.isArray(next) ? next : [next, {}];
    const answer: HttpAnswer = {
      status,
      headers: { get: (name) => headers[name] ?? null },
      json: async () => json,
    };
    return answer;
  };
  return { fetch, requests };
}

function harness(...answers: Parameters<typeof server>) {
  return harnessWith({}, ...answers);
}

function harnessWith(deps: { botCheck?: BotCheck }, ...answers: Parameters<typeof server>) {
  const storage = new MemoryStorage();
  const queue = new PendingQueue(storage);
  const http = server(...answers);
  let now = t0;
  const timers: { run: () => void; at: number }[] = [];
  const sender = new Sender({
    ...deps,
    queue,
    fetch: http.fetch,
    now: () => now,
    random: () => 1,
    setTimer: (run, ms) => {
      const timer = { run, at: now + ms };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => {
      const i = timers.indexOf(timer as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
  });
  return {
    sender,
    queue,
    storage,
    requests: http.requests,
    timers,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const answer = { key: 'idem-1', url: 'http://api.example/v1/feedback', siteKey: 'sk_test', body };

describe('the widget sender', () => {
  it('sends with the site key and Idempotency-Key, and forgets the answer once accepted', async () => {
    const h = harness(202);

    const outcome = await h.sender.submit(answer);

    expect(outcome).toBe('sent');
    expect(h.requests).toEqual([
      {
        url: 'http://api.example/v1/feedback',
        headers: { 'content-type': 'application/json', 'x-site-key': 'sk_test', 'idempotency-key': 'idem-1' },
        body: JSON.stringify(body),
      },
    ]);
    expect(h.queue.list()).toEqual([]);
    expect(h.timers).toEqual([]);
  });

  it('keeps an answer it could not send, then sends the same key and body once back online', async () => {
    const h = harness('network', 202);

    const outcome = await h.sender.submit(answer);
    const kept = h.queue.list();
    await h.sender.flush(true); // the browser's `online` event

    expect(outcome).toBe('queued');
    expect(kept).toEqual([expect.objectContaining({ key: 'idem-1', attempts: 1, nextAt: t0 + 1000 })]);
    expect(h.requests).toHaveLength(2);
    expect(h.requests[1]).toEqual(h.requests[0]);
    expect(h.queue.list()).toEqual([]);
  });

  it('retries on its timer with growing delays, honouring Retry-After', async () => {
    const h = harness(503, [429, { 'retry-after': '20' }], 202);

    await h.sender.submit(answer);
    const firstDelay = h.queue.list()[0]!.nextAt - t0;
    h.advance(firstDelay);
    await h.sender.flush();
    const secondDelay = h.queue.list()[0]!.nextAt - (t0 + firstDelay);
    h.advance(secondDelay - 1);
    await h.sender.flush(); // not due yet: nothing is sent
    const requestsBeforeDue = h.requests.length;
    h.advance(1);
    await h.sender.flush();

    expect(firstDelay).toBe(1000);
    expect(secondDelay).toBe(20_000);
    expect(requestsBeforeDue).toBe(2);
    expect(h.requests).toHaveLength(3);
    expect(new Set(h.requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set(['idem-1']));
    expect(h.queue.list()).toEqual([]);
  });

  it('schedules one timer for the earliest waiting answer', async () => {
    const h = harness('network', 'network');

    await h.sender.submit(answer);
    await h.sender.submit({ ...answer, key: 'idem-2' });

    expect(h.timers).toEqual([{ run: expect.any(Function), at: t0 + 1000 }]);
  });

  it("keeps the server's error code and message of a refusal, for the developer console", async () => {
    const wrongKey = harness([401, {}, { error: 'unauthorized', message: 'wrong site key' }]);
    const badField = harness([
      400,
      {},
      {
        error: 'validation_failed',
        issues: [{ path: 'rating.score', message: 'must be a whole number from 0 to 10, got 11' }],
      },
    ]);

    await wrongKey.sender.submit(answer);
    await badField.sender.submit(answer);

    expect(wrongKey.sender.lastReason).toBe('unauthorized: wrong site key');
    expect(badField.sender.lastReason).toBe(
      'validation_failed: rating.score must be a whole number from 0 to 10, got 11',
    );
  });

  it('gives up an answer the server refuses (4xx) and says so', async () => {
    const h = harness(401);

    const outcome = await h.sender.submit(answer);

    expect(outcome).toBe('refused');
    expect(h.sender.lastRefusal).toBe(401);
    expect(h.queue.list()).toEqual([]);
  });

  it('sends an answer from an earlier page view when the page loads again', async () => {
    const storage = new MemoryStorage();
    new PendingQueue(storage).put(pending('from-yesterday', { attempts: 4, nextAt: t0 - 1 }));
    const http = server(202);
    const sender = new Sender({ queue: new PendingQueue(storage), fetch: http.fetch, now: () => t0 });

    await sender.flush();

    expect(http.requests.map((r) => r.headers['idempotency-key'])).toEqual(['from-yesterday']);
    expect(new PendingQueue(storage).list()).toEqual([]);
  });

  it('does not send one answer twice when a timer and the online event flush at once', async () => {
    const h = harness('network', 202, 202);
    await h.sender.submit(answer);
    await h.sender.submit({ ...answer, key: 'idem-2' }); // answered 202 at once
    h.advance(1000);

    await Promise.all([h.sender.flush(), h.sender.flush(true)]);

    expect(h.requests.map((r) => r.headers['idempotency-key'])).toEqual(['idem-1', 'idem-2', 'idem-1']);
    expect(h.queue.list()).toEqual([]);
  });
});

/** A bot check handing out tok-1, tok-2, … (or failing while `failing` is set). */
function tokens() {
  const check = { issued: 0, failing: false };
  const botCheck: BotCheck = {
    token: async () => {
      if (check.failing) throw new Error('no token');
      check.issued += 1;
      return `tok-${check.issued}`;
    },
  };
  return { check, botCheck };
}

describe('the widget sender on a site with a bot check', () => {
  it('sends a new X-Bot-Token with every attempt, never the same token twice', async () => {
    const { botCheck } = tokens();
    const h = harnessWith({ botCheck }, 503, 202);

    const first = await h.sender.submit(answer);
    await h.sender.flush(true);

    expect(first).toBe('queued');
    expect(h.requests.map((r) => r.headers['x-bot-token'])).toEqual(['tok-1', 'tok-2']);
    expect(h.queue.list()).toEqual([]);
  });

  it('keeps the answer without posting while the check gives no token, and sends it once one comes', async () => {
    const { check, botCheck } = tokens();
    check.failing = true;
    const h = harnessWith({ botCheck }, 202);

    const outcome = await h.sender.submit(answer);
    const requestsWhileFailing = h.requests.length;
    check.failing = false;
    await h.sender.flush(true);

    expect(outcome).toBe('unverified');
    expect(requestsWhileFailing).toBe(0);
    expect(h.requests.map((r) => r.headers['x-bot-token'])).toEqual(['tok-1']);
    expect(h.queue.list()).toEqual([]);
  });

  it('tries again with a new token after a 403 bot_check_failed, and gives up after three', async () => {
    const { botCheck } = tokens();
    const failed: [number, Record<string, string>, unknown] = [403, {}, { error: 'bot_check_failed' }];
    const h = harnessWith({ botCheck }, failed, failed, failed);

    const outcomes = [await h.sender.submit(answer)];
    await h.sender.flush(true);
    await h.sender.flush(true);

    expect(outcomes).toEqual(['unverified']);
    expect(h.requests.map((r) => r.headers['x-bot-token'])).toEqual(['tok-1', 'tok-2', 'tok-3']);
    expect(h.queue.list()).toEqual([]);
    expect(h.sender.lastRefusal).toBe(403);
  });

  it('drops another 403 at once, as without a bot check', async () => {
    const { botCheck } = tokens();
    const h = harnessWith({ botCheck }, [403, {}, { error: 'origin_not_allowed' }]);

    expect(await h.sender.submit(answer)).toBe('refused');
    expect(h.requests).toHaveLength(1);
  });

  it('sends no X-Bot-Token when the site has no bot check', async () => {
    const h = harness(202);

    await h.sender.submit(answer);

    expect(h.requests[0]?.headers).not.toHaveProperty('x-bot-token');
  });
});
