import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { countItems, drainQueue, eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

const feedback = (siteId: string, comment = '支払い方法が選べませんでした') => ({
  siteId,
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: 3 },
  comment,
  reasons: ['payment_method_unavailable'],
  customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
});

let stack: LocalStack;
beforeAll(async () => {
  // These tests read the triage queue themselves, so triage must not consume it.
  stack = await startTestStack({ triagePump: false });
});
afterAll(async () => {
  await stack?.stop();
});

describe('the feedback endpoint on the local stack', () => {
  it('stores accepted feedback and hands it to the triage queue once', async () => {
    const site = stack.sites[0]!;
    const response = await postFeedback(stack, feedback(site.siteId), { origin: site.origins[0]! });

    expect(response.status).toBe(202);
    const { feedbackId } = (await response.json()) as { feedbackId: string };
    const stored = await stack.db.send(
      new GetCommand({ TableName: stack.tableName, Key: feedbackKey(feedbackId) }),
    );
    expect(stored.Item).toMatchObject({
      feedbackId,
      siteId: site.siteId,
      comment: '支払い方法が選べませんでした',
    });
    const messages = await eventually(async () => {
      const got = await drainQueue(stack.sqs, stack.queues.triage.url);
      expect(got).toHaveLength(1);
      return got;
    });
    expect(messages[0]).toEqual({ type: 'feedback.received', version: 1, feedbackId });
  });

  it('keeps one feedback for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const siteId = stack.sites[0]!.siteId;
    const before = await countItems(stack, 'feedback');

    const first = await postFeedback(stack, feedback(siteId, 'same'), { 'idempotency-key': 'repeat-1' });
    const again = await postFeedback(stack, feedback(siteId, 'same'), { 'idempotency-key': 'repeat-1' });
    const other = await postFeedback(stack, feedback(siteId, 'changed'), { 'idempotency-key': 'repeat-1' });

    expect([first.status, again.status, other.status]).toEqual([202, 202, 409]);
    expect(((await again.json()) as { feedbackId: string }).feedbackId).toBe(
      ((await first.json()) as { feedbackId: string }).feedbackId,
    );
    expect(await countItems(stack, 'feedback')).toBe(before + 1);
  });

  it("refuses a touchpoint the site does not have, naming the site's touchpoints, and stores nothing", async () => {
    const site = stack.sites[0]!;
    const before = await countItems(stack, 'feedback');

    const response = await postFeedback(stack, {
      ...feedback(site.siteId),
      touchpoint: 'chekout_abandonment',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'validation_failed',
      issues: [
        {
          path: 'touchpoint',
          message:
            'must be one of the site\'s touchpoints (account_creation, checkout_abandonment, support_chat, product_use, post_purchase, delivery), got the text "chekout_abandonment"',
        },
      ],
    });
    expect(await countItems(stack, 'feedback')).toBe(before);
  });

  it('says in plain words what a score must be when it comes as text', async () => {
    const site = stack.sites[0]!;

    const response = await postFeedback(stack, {
      ...feedback(site.siteId),
      rating: { type: 'nps', score: '9' },
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'validation_failed',
      issues: [{ path: 'rating.score', message: 'must be a whole number from 0 to 10, got the text "9"' }],
    });
  });

  it('answers a preflight only for a configured origin', async () => {
    const allowed = stack.sites[0]!.origins[0]!;
    const preflight = (origin: string) =>
      fetch(`${stack.url}/v1/feedback`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });

    const ok = await preflight(allowed);
    const refused = await preflight('https://evil.example');

    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(refused.status).toBe(403);
  });

  it('lists the local site keys and reports health', async () => {
    const sites = (await (await fetch(`${stack.url}/__local/sites`)).json()) as { siteKey: string }[];
    const health = await fetch(`${stack.url}/health`);

    expect(sites.length).toBeGreaterThanOrEqual(2);
    expect(sites[0]!.siteKey).toMatch(/^sk_local_/);
    expect(health.status).toBe(200);
  });
});
