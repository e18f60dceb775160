import type { SQSRecord } from 'aws-lambda';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deliver, type WebhookDeps } from '../../core/webhooks/deliver.ts';
import { makeWebhooksHandler } from '../../functions/webhooks/handler.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Webhook } from '../../shared/config/schema.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { consoleCaseUrl, slackMessage } from '../../shared/domain/slack.ts';
import type { EndpointRef, EndpointState, PostResult } from '../../shared/domain/webhook-ports.ts';
import {
  DELIVERY_WINDOW_MS,
  deliveryRoutes,
  nextAttempt,
  retryDelaySeconds,
  routeMatches,
  webhookIdOf,
  withoutPersonalData,
} from '../../shared/domain/webhooks.ts';
import { deliveryMessage, type WebhookDelivery } from '../../shared/events/webhook-delivery.ts';

const config = loadConfigFile('closeloop.config.example.json');
const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const openedAt = '2026-12-07T01:00:00.000Z';

const endpoint = (over: Partial<Webhook> = {}): Webhook => ({
  id: 'crm',
  url: 'https://crm.example.jp/hooks',
  events: ['feedback.received', 'case.opened'],
  secretName: 'closeloop/webhooks/crm',
  includePersonalData: false,
  ...over,
});

const caseOpened = {
  type: 'case.opened',
  version: 1,
  caseId: 'case_abc',
  caseRef: 'CL-7K3M9',
  feedbackId: 'fb_abc',
  siteId: 'shop-jp',
  severity: 'critical',
  sentiment: 'negative',
  category: 'payment',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  teamId: 'orders',
  assigneeId: 'tanaka',
  routedBy: 'payment-to-orders',
  acknowledgeBy: '2026-12-07T03:00:00.000Z',
  resolveBy: '2026-12-08T01:00:00.000Z',
  openedAt,
};

const storedFeedback: Feedback = {
  feedbackId: 'fb_abc',
  receivedAt: openedAt,
  bodyHash: 'h',
  siteId: 'shop-jp',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: 2 },
  comment: '支払いできません',
  reasons: ['payment_method_unavailable'],
  context: { orderId: 'A-1' },
  customer: { email: 'hanako@example.jp', name: '山田 花子', locale: 'ja', contactConsent: true },
};

class Fakes {
  posts: { url: string; body: string; headers: Record<string, string> }[] = [];
  answers: PostResult[] = [];
  disabled = new Map<string, EndpointState>();
  clock = new VirtualClock(new Date('2026-12-07T01:00:05.000Z'));
  deps(over: Partial<WebhookDeps> = {}): WebhookDeps {
    const key = (ref: EndpointRef) => (ref.channel === 'slack' ? 'slack' : `webhook:${ref.endpointId}`);
    return {
      webhooks: [
        endpoint(),
        endpoint({ id: 'warehouse', url: 'https://dw.example.jp/in', includePersonalData: true }),
      ],
      slackUrl: async () => 'https://hooks.slack.example/services/T/B/x',
      secretOf: async () => secret,
      states: {
        get: async (ref) => this.disabled.get(key(ref)),
        disable: async (ref, state) => {
          if (!this.disabled.has(key(ref))) this.disabled.set(key(ref), state);
        },
      },
      feedback: {
        get: async (id) => (id === storedFeedback.feedbackId ? structuredClone(storedFeedback) : undefined),
      },
      http: {
        post: async (url, body, headers) => {
          this.posts.push({ url, body, headers });
          return this.answers.shift() ?? { status: 204 };
        },
      },
      clock: this.clock,
      publicBaseUrl: 'https://cx.example.jp/',
      teams: config.teams,
      ...over,
    };
  }
}

/**
 * Verifies as a receiver would at the delivery's own time: the library checks the timestamp
 * against the system clock (5 minutes' tolerance), so the system clock is set to the attempt's.
 */
function verify(post: { body: string; headers: Record<string, string> }, key = secret): unknown {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(Number(post.headers['webhook-timestamp']) * 1000);
    return new StandardWebhook(key).verify(post.body, post.headers);
  } finally {
    vi.useRealTimers();
  }
}

let f: Fakes;
beforeEach(() => {
  f = new Fakes();
});

const toCrm = (event: Record<string, unknown>, endpointId = 'crm'): WebhookDelivery =>
  deliveryMessage({ channel: 'webhook', endpointId }, event);

describe('a webhook delivery: signed per Standard Webhooks', () => {
  it('POSTs the event as { type, version, timestamp, data }, which verifies with the endpoint secret', async () => {
    const outcome = await deliver(toCrm(caseOpened), 1, f.deps());

    expect(outcome).toMatchObject({ outcome: 'delivered', status: 204 });
    const [post] = f.posts;
    expect(post!.url).toBe('https://crm.example.jp/hooks');
    const verified = verify(post!);
    expect(verified).toEqual({
      type: 'case.opened',
      version: 1,
      timestamp: openedAt,
      data: expect.objectContaining({ caseId: 'case_abc', caseRef: 'CL-7K3M9', severity: 'critical' }),
    });
    expect(post!.headers['webhook-timestamp']).toBe(String(Date.parse('2026-12-07T01:00:05.000Z') / 1000));
    expect(post!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('fails verification with another secret or a changed body', async () => {
    await deliver(toCrm(caseOpened), 1, f.deps());
    const [post] = f.posts;
    const other = `whsec_${Buffer.from('another secret of 32 bytes!!!!!!').toString('base64')}`;
    expect(() => verify(post!, other)).toThrow(/signature/);
    expect(() => verify({ ...post!, body: post!.body.replace('critical', 'routine') })).toThrow(/signature/);
  });

  it('keeps the webhook-id across attempts, and gives each endpoint and event its own', async () => {
    f.answers = [{ status: 500 }, { status: 503 }];
    await deliver(toCrm(caseOpened), 1, f.deps());
    f.clock.advance(30_000);
    await deliver(toCrm(caseOpened), 2, f.deps());
    f.clock.advance(60_000);
    await deliver(toCrm(caseOpened), 3, f.deps());
    await deliver(toCrm(caseOpened, 'warehouse'), 1, f.deps());
    await deliver(toCrm({ ...caseOpened, caseId: 'case_other' }), 1, f.deps());

    const ids = f.posts.map((p) => p.headers['webhook-id']);
    expect(new Set(ids.slice(0, 3)).size).toBe(1);
    expect(ids[0]).toBe(webhookIdOf('crm', 'case.opened', 'case_abc'));
    expect(new Set(ids).size).toBe(3);
    // Each attempt is signed at its own time, under the same id.
    expect(new Set(f.posts.slice(0, 3).map((p) => p.headers['webhook-timestamp'])).size).toBe(3);
    for (const p of f.posts) expect(() => verify(p)).not.toThrow();
  });
});

describe('a webhook delivery: personal data', () => {
  const bodyOf = (i: number) => JSON.parse(f.posts[i]!.body);

  it('describes feedback.received from the stored feedback without the address, name, comment or context', async () => {
    const event = {
      type: 'feedback.received',
      version: 1,
      feedbackId: 'fb_abc',
      siteId: 'shop-jp',
      receivedAt: openedAt,
    };
    await deliver(toCrm(event), 1, f.deps());

    const body = bodyOf(0);
    expect(body).toEqual({
      type: 'feedback.received',
      version: 1,
      timestamp: openedAt,
      data: {
        feedbackId: 'fb_abc',
        siteId: 'shop-jp',
        receivedAt: openedAt,
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        rating: { type: 'nps', score: 2 },
        reasons: ['payment_method_unavailable'],
        customer: { locale: 'ja', contactConsent: true },
      },
    });
    expect(f.posts[0]!.body).not.toMatch(/hanako|山田|支払い|A-1/);
  });

  it('carries them only to an endpoint configured includePersonalData: true, case events too', async () => {
    const event = { type: 'feedback.received', version: 1, feedbackId: 'fb_abc', receivedAt: openedAt };
    await deliver(toCrm(event, 'warehouse'), 1, f.deps());
    await deliver(toCrm(caseOpened, 'warehouse'), 1, f.deps());
    await deliver(toCrm(caseOpened, 'crm'), 1, f.deps());

    expect(bodyOf(0).data).toMatchObject({
      comment: '支払いできません',
      context: { orderId: 'A-1' },
      customer: { email: 'hanako@example.jp', name: '山田 花子' },
    });
    expect(bodyOf(1).data.customer).toEqual({ email: 'hanako@example.jp', name: '山田 花子' });
    expect(f.posts[2]!.body).not.toContain('hanako');
  });

  it('strips what erasure removes, leaving the rest', () => {
    expect(
      withoutPersonalData({
        a: 1,
        comment: 'c',
        context: { x: 1 },
        customer: { email: 'e@example.jp', name: 'n', locale: 'ja' },
      }),
    ).toEqual({ a: 1, customer: { locale: 'ja' } });
    expect(withoutPersonalData({ customer: { email: 'e@example.jp' } })).toEqual({});
  });
});

describe('a webhook delivery: retries, 410 and the 24 h window', () => {
  it('backs off exponentially from 30 s, at most an hour apart', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 30].map(retryDelaySeconds)).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600,
    ]);
  });

  it('tries for 24 h after the event: the last try at the window end, then it gives up', () => {
    const at = (ms: number) => new Date(Date.parse(openedAt) + ms);
    expect(nextAttempt(3, openedAt, at(60_000))).toEqual({ retryInSeconds: 120 });
    expect(nextAttempt(20, openedAt, at(DELIVERY_WINDOW_MS - 600_000))).toEqual({ retryInSeconds: 600 });
    expect(nextAttempt(21, openedAt, at(DELIVERY_WINDOW_MS))).toEqual({ giveUp: true });
    // Adding the delays up: about 30 attempts within the window.
    let t = 0;
    let n = 1;
    for (; ; n++) {
      const next = nextAttempt(n, openedAt, at(t));
      if ('giveUp' in next) break;
      t += next.retryInSeconds * 1000;
    }
    expect(n).toBeGreaterThan(25);
    expect(n).toBeLessThan(35);
  });

  it('answers retry on a 5xx, a timeout or a 3xx', async () => {
    f.answers = [{ status: 500 }, { error: 'no answer within 5000 ms' }, { status: 302 }, { status: 429 }];
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(await deliver(toCrm(caseOpened), attempt, f.deps())).toMatchObject({
        outcome: 'retry',
        retryInSeconds: retryDelaySeconds(attempt),
      });
    }
  });

  it('gives up once 24 h have passed since the event', async () => {
    f.answers = [{ status: 500 }];
    f.clock.advance(DELIVERY_WINDOW_MS);
    expect(await deliver(toCrm(caseOpened), 31, f.deps())).toMatchObject({
      outcome: 'give_up',
      attempt: 31,
      result: { status: 500 },
    });
  });

  it('disables an endpoint that answers 410 and sends it nothing more; the others go on', async () => {
    f.answers = [{ status: 410 }];
    expect(await deliver(toCrm(caseOpened), 1, f.deps())).toMatchObject({ outcome: 'disabled', status: 410 });
    expect(f.disabled.get('webhook:crm')).toMatchObject({
      disabledAt: '2026-12-07T01:00:05.000Z',
      disabledBy: {
        status: 410,
        eventType: 'case.opened',
        webhookId: webhookIdOf('crm', 'case.opened', 'case_abc'),
      },
    });

    expect(await deliver(toCrm({ ...caseOpened, caseId: 'case_2' }), 1, f.deps())).toEqual({
      outcome: 'skipped',
      reason: 'endpoint_disabled',
    });
    expect(await deliver(toCrm(caseOpened, 'warehouse'), 1, f.deps())).toMatchObject({
      outcome: 'delivered',
    });
    expect(f.posts.map((p) => p.url)).toEqual(['https://crm.example.jp/hooks', 'https://dw.example.jp/in']);
  });

  it('drops a delivery to an endpoint no longer in config', async () => {
    expect(await deliver(toCrm(caseOpened, 'gone-from-config'), 1, f.deps())).toEqual({
      outcome: 'skipped',
      reason: 'unknown_endpoint',
    });
    expect(f.posts).toEqual([]);
  });
});

describe('the webhooks queue handler', () => {
  const record = (body: unknown, receiveCount = 1): SQSRecord =>
    ({
      messageId: `m${receiveCount}`,
      receiptHandle: `rh${receiveCount}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: String(receiveCount) },
    }) as unknown as SQSRecord;

  function handler() {
    const later: [string, number][] = [];
    const dead: string[] = [];
    const h = makeWebhooksHandler({
      ...f.deps(),
      retryLater: async (r, s) => {
        later.push([r.receiptHandle, s]);
      },
      deadLetter: async (body) => {
        dead.push(body);
      },
    });
    return { h, later, dead };
  }

  it('keeps a failed attempt away for its backoff (from the receive count) and reports it failed', async () => {
    f.answers = [{ status: 500 }, { status: 204 }];
    const { h, later } = handler();
    const failed = await h({ Records: [record(toCrm(caseOpened), 3)] });
    const done = await h({ Records: [record(toCrm(caseOpened), 4)] });
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm3' }]);
    expect(later).toEqual([['rh3', 120]]);
    expect(done.batchItemFailures).toEqual([]);
  });

  it('dead-letters a delivery given up (with why) and an unreadable one, and deletes both', async () => {
    f.answers = [{ status: 503 }];
    f.clock.advance(DELIVERY_WINDOW_MS);
    const { h, dead, later } = handler();
    const result = await h({ Records: [record(toCrm(caseOpened), 30), record('not json', 1)] });
    expect(result.batchItemFailures).toEqual([]);
    expect(later).toEqual([]);
    expect(JSON.parse(dead[0]!)).toMatchObject({
      endpointId: 'crm',
      event: { caseId: 'case_abc' },
      deadLettered: { attempts: 30, reason: 'HTTP 503' },
    });
    expect(dead[1]).toBe('not json');
  });
});

describe('routes: one message per endpoint and event', () => {
  it('routes each endpoint its events, and Slack critical openings and escalations', () => {
    const routes = deliveryRoutes({
      webhooks: [endpoint(), endpoint({ id: 'dw', events: ['case.resolved'] })],
      slack: { escalations: 'all' },
    });
    expect(routes.map((r) => r.id)).toEqual(['webhook-crm', 'webhook-dw', 'slack-opened', 'slack-escalated']);
    const [, , opened, escalated] = routes;
    expect(routeMatches(opened!, caseOpened)).toBe(true);
    expect(routeMatches(opened!, { ...caseOpened, severity: 'routine' })).toBe(false);
    expect(routeMatches(escalated!, { type: 'case.escalated', severity: 'routine' })).toBe(true);
    const critical = deliveryRoutes({ webhooks: [], slack: { escalations: 'critical' } });
    expect(routeMatches(critical[1]!, { type: 'case.escalated', severity: 'routine' })).toBe(false);
  });
});

describe('the Slack adapter', () => {
  it('posts a Block Kit message with the case reference, severity, touchpoint and an Open button', async () => {
    const outcome = await deliver(deliveryMessage({ channel: 'slack' }, caseOpened), 1, f.deps());
    expect(outcome).toMatchObject({ outcome: 'delivered' });
    const [post] = f.posts;
    expect(post!.url).toBe('https://hooks.slack.example/services/T/B/x');
    const message = JSON.parse(post!.body);
    expect(message.text).toBe('New critical case: CL-7K3M9');
    expect(message.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'actions']);
    const fields = message.blocks[1].fields.map((x: { text: string }) => x.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        '*Case*\nCL-7K3M9',
        '*Severity*\ncritical',
        '*Touchpoint*\ncheckout_abandonment',
      ]),
    );
    expect(message.blocks[2].elements[0]).toMatchObject({
      type: 'button',
      text: { type: 'plain_text', text: 'Open' },
      url: 'https://cx.example.jp/console/#/cases/case_abc',
      style: 'danger',
    });
  });

  it('names the rung and the missed deadline of an escalation, and escapes config text', () => {
    const message = slackMessage(
      {
        type: 'case.escalated',
        caseId: 'case_abc',
        caseRef: 'CL-7K3M9',
        severity: 'routine',
        touchpoint: 'delivery',
        level: 'manager',
        clock: 'acknowledge',
        deadline: '2026-12-07T03:00:00.000Z',
        teamId: 'orders',
      },
      { publicBaseUrl: 'https://cx.example.jp', teamName: 'Orders <& returns>' },
    );
    expect(message.text).toBe('Escalated to manager: CL-7K3M9 (acknowledge deadline missed)');
    expect(JSON.stringify(message.blocks)).toContain('Orders &lt;&amp; returns&gt;');
    expect(JSON.stringify(message.blocks)).toContain('*Missed deadline*\\n2026-12-07T03:00:00.000Z');
    expect(consoleCaseUrl('https://cx.example.jp/base', 'case/1')).toBe(
      'https://cx.example.jp/base/console/#/cases/case%2F1',
    );
  });
});
