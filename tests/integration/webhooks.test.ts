import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * Outbound webhooks on the local stack: the sink endpoint `npm start` configures (every event),
 * fed as in AWS (bus → one webhooks queue message per endpoint and event → functions/webhooks'
 * handler behind the queue pump), checked as a receiver would with the standardwebhooks package.
 * The clock starts on Tuesday 2026-11-24 09:30 JST, a working day: a critical case's first
 * escalation rung fires 120 business minutes later, at 11:30.
 */
const start = new Date('2026-11-24T00:30:00.000Z');
const email = 'hanako.yamada@example.jp';
const comment = '二重請求されました。確認してください';

interface Delivery {
  at: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}
interface Body {
  type: string;
  version: number;
  timestamp: string;
  data: Record<string, unknown>;
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(start), schedule: false, webhookSink: true });
});
afterAll(async () => {
  await stack?.stop();
});

const getJson = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${stack.url}${path}`)).json()) as T;
const deliveries = () => getJson<Delivery[]>('/__local/webhook-sink');
const bodyOf = (d: Delivery) => JSON.parse(d.body) as Body;
const sinkSecret = async () => {
  const endpoints = await getJson<{ id: string; secret: string; events: string[] }[]>('/__local/webhooks');
  return endpoints.find((e) => e.id === 'local-sink')!.secret;
};

/**
 * Verifies a delivery as its receiver would. The receiver's clock is the stack's virtual one (the
 * signature's timestamp is the attempt's virtual time, which the package checks against its now).
 */
function verify(secret: string, d: Delivery): unknown {
  const now = vi.spyOn(Date, 'now').mockReturnValue(Date.parse(d.at));
  try {
    return new Webhook(secret).verify(d.body, d.headers);
  } finally {
    now.mockRestore();
  }
}

async function postCritical(key: string): Promise<{ feedbackId: string; caseId: string }> {
  const response = await postFeedback(
    stack,
    {
      siteId: 'shop-jp',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 0 },
      comment,
      reasons: ['payment_method_unavailable'],
      customer: { email, name: '山田 花子', locale: 'ja', contactConsent: true },
    },
    { 'idempotency-key': key },
    { key: 'server' },
  );
  expect(response.status).toBe(202);
  const { feedbackId } = (await response.json()) as { feedbackId: string };
  return { feedbackId, caseId: caseIdFor(feedbackId) };
}

/** The deliveries of one event type whose data names `id` (its feedbackId or caseId). */
async function deliveredFor(type: string, id: string, status = 204): Promise<Delivery[]> {
  return (await deliveries()).filter((d) => {
    const body = bodyOf(d);
    return (
      d.status === status && body.type === type && (body.data.caseId === id || body.data.feedbackId === id)
    );
  });
}

async function adminToken(): Promise<string> {
  return (await getJson<{ token: string }>('/__local/token?admin=1')).token;
}

describe('outbound webhooks on the local stack', () => {
  it('lists the sink endpoint with every event type and a Standard Webhooks secret', async () => {
    const endpoints =
      await getJson<{ id: string; url: string; events: string[]; secret: string }[]>('/__local/webhooks');

    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({ id: 'local-sink', url: `${stack.url}/__local/webhook-sink` });
    expect(endpoints[0]!.events).toEqual(
      expect.arrayContaining(['feedback.received', 'case.opened', 'case.escalated', 'case.resolved']),
    );
    expect(endpoints[0]!.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  });

  it('delivers feedback.received and case.opened signed with the endpoint secret, without the customer email or comment', async () => {
    const secret = await sinkSecret();

    const { feedbackId, caseId } = await postCritical('wh-opened');
    const [received] = await eventually(async () => {
      const found = await deliveredFor('feedback.received', feedbackId);
      expect(found).toHaveLength(1);
      return found;
    }, 20_000);
    const [opened] = await eventually(async () => {
      const found = await deliveredFor('case.opened', caseId);
      expect(found).toHaveLength(1);
      return found;
    }, 20_000);

    for (const d of [received!, opened!]) {
      expect(verify(secret, d)).toEqual(bodyOf(d));
      expect(() =>
        verify(`whsec_${Buffer.from('not the secret, 24 bytes').toString('base64')}`, d),
      ).toThrow();
      expect(d.headers['webhook-id']).toMatch(/^msg_/);
      expect(d.body).not.toContain(email);
      expect(d.body).not.toContain(comment);
      expect(d.body).not.toContain('山田');
    }
    expect(bodyOf(received!)).toMatchObject({
      type: 'feedback.received',
      version: 1,
      data: { feedbackId, siteId: 'shop-jp', touchpoint: 'checkout_abandonment' },
    });
    expect(bodyOf(opened!)).toMatchObject({ type: 'case.opened', data: { caseId, severity: 'critical' } });
    expect(received!.headers['webhook-id']).not.toBe(opened!.headers['webhook-id']);
  }, 40_000);

  it('delivers case.escalated when the ladder fires and case.resolved when staff resolve the case', async () => {
    const secret = await sinkSecret();
    const { caseId } = await postCritical('wh-escalated');
    await eventually(async () => expect(await deliveredFor('case.opened', caseId)).toHaveLength(1), 20_000);

    const advanced = await fetch(`${stack.url}/__local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMinutes: 120 }),
    });
    expect(advanced.status).toBe(200);
    const [escalated] = await eventually(async () => {
      const found = await deliveredFor('case.escalated', caseId);
      expect(found.length).toBeGreaterThan(0);
      return found;
    }, 20_000);
    const authorization = `Bearer ${await adminToken()}`;
    const detail = await (
      await fetch(`${stack.url}/v1/cases/${caseId}`, { headers: { authorization } })
    ).json();
    const resolved = await fetch(`${stack.url}/v1/cases/${caseId}/resolve`, {
      method: 'POST',
      headers: {
        authorization,
        'content-type': 'application/json',
        'if-match': String((detail as { case: { version: number } }).case.version),
      },
      body: JSON.stringify({
        customerMessage: 'The double charge is refunded.',
        rootCause: 'payment provider retry',
        actions: { internal: [], external: [] },
      }),
    });
    const [resolvedDelivery] = await eventually(async () => {
      const found = await deliveredFor('case.resolved', caseId);
      expect(found).toHaveLength(1);
      return found;
    }, 20_000);

    expect(resolved.status).toBe(200);
    expect(bodyOf(escalated!)).toMatchObject({
      type: 'case.escalated',
      data: { caseId, stepId: 'ack:lead' },
    });
    expect(bodyOf(resolvedDelivery!)).toMatchObject({ type: 'case.resolved', data: { caseId } });
    for (const d of [escalated!, resolvedDelivery!]) {
      expect(verify(secret, d)).toEqual(bodyOf(d));
      expect(d.body).not.toContain(email);
    }
  }, 60_000);

  it('answers 400 to a failure plan without an HTTP status', async () => {
    const response = await fetch(`${stack.url}/__local/webhook-sink/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ times: 1 }),
    });

    expect(response.status).toBe(400);
  });

  it('delivers on the fourth try, under the same webhook-id, what the sink answered 500 to three times', async () => {
    const secret = await sinkSecret();
    const before = (await deliveries()).length;
    const fail = await fetch(`${stack.url}/__local/webhook-sink/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 500, times: 3, type: 'case.opened' }),
    });
    expect(fail.status).toBe(200);

    await postCritical('wh-retried');
    const attempts = await eventually(async () => {
      const opened = (await deliveries()).slice(before).filter((d) => bodyOf(d).type === 'case.opened');
      expect(opened.map((d) => d.status)).toEqual([500, 500, 500, 204]);
      return opened;
    }, 30_000);

    expect(new Set(attempts.map((d) => d.headers['webhook-id'])).size).toBe(1);
    const [failed, , , retried] = attempts;
    expect(bodyOf(retried!)).toEqual(bodyOf(failed!));
    expect(verify(secret, retried!)).toEqual(bodyOf(retried!));
  }, 60_000);

  it('delivers problem.resolved, signed, when staff resolve a problem', async () => {
    const secret = await sinkSecret();
    const authorization = `Bearer ${await adminToken()}`;
    const call = async (path: string, body: unknown) =>
      fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const { caseId } = await postCritical('wh-problem');
    await eventually(async () => expect((await deliveredFor('case.opened', caseId)).length).toBe(1), 20_000);
    const created = await call('/v1/problems', {
      title: 'PSP outage',
      description: 'The payment provider timed out',
      customerMessage: 'Card payments work again.',
    });
    const { problem } = (await created.json()) as { problem: { problemId: string } };
    expect((await call(`/v1/problems/${problem.problemId}/cases`, { caseIds: [caseId] })).status).toBe(200);

    expect((await call(`/v1/problems/${problem.problemId}/resolve`, {})).status).toBe(200);

    const delivered = await eventually(async () => {
      const found = (await deliveries()).filter((d) => bodyOf(d).type === 'problem.resolved');
      expect(found).toHaveLength(1);
      return found[0]!;
    }, 20_000);
    expect(bodyOf(delivered)).toMatchObject({ data: { problemId: problem.problemId } });
    expect(verify(secret, delivered)).toEqual(bodyOf(delivered));
    expect(delivered.body).not.toContain(email);
  }, 60_000);

  it('disables the endpoint that answers 410, and delivers nothing more to it', async () => {
    const before = (await deliveries()).length;
    await fetch(`${stack.url}/__local/webhook-sink/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 410, times: 1 }),
    });

    await postCritical('wh-gone');
    const gone = await eventually(async () => {
      const index = (await deliveries()).findIndex((d, i) => i >= before && d.status === 410);
      expect(index).toBeGreaterThanOrEqual(0);
      return index;
    }, 20_000);
    const { caseId } = await postCritical('wh-after-gone');
    // The later case's events reached the bus and the webhooks queue is empty: they were handled.
    await eventually(async () => {
      expect(stack.bus.events.some((e) => e.detailType === 'case.opened' && e.detail.caseId === caseId)).toBe(
        true,
      );
      const depth = await getJson<{ visible: number; inFlight: number }>('/__local/queues/webhooks');
      expect(depth.visible + depth.inFlight).toBe(0);
    }, 20_000);

    expect((await deliveries()).slice(gone + 1)).toEqual([]);
    expect(await deliveredFor('case.opened', caseId)).toEqual([]);
  }, 40_000);
});
