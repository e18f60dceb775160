import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { channels, feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { countItems, postFeedback, startTestStack } from '../support/local-stack.ts';
import { setPath } from '../support/mutate.ts';

const valid = {
  siteId: 'shop-jp',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: 3 },
  comment: 'カートが動かない',
  reasons: ['site_hard_to_use'],
  customer: { email: 'a@example.jp', name: '山田', locale: 'ja', contactConsent: true },
  context: { orderId: 'A-1', sku: 'SKU-9' },
};

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);
const fieldPath = fc.constantFrom(
  ['siteId'],
  ['touchpoint'],
  ['channel'],
  ['rating'],
  ['rating', 'type'],
  ['rating', 'score'],
  ['comment'],
  ['reasons'],
  ['customer'],
  ['customer', 'email'],
  ['customer', 'locale'],
  ['customer', 'contactConsent'],
  ['context'],
  ['context', 'orderId'],
);

/** Bodies that break the contract in one or several ways at once. */
const invalidBody = fc
  .oneof(
    fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
    fc.tuple(fieldPath, wrongValue).map(([path, value]) => setPath(valid, path, value)),
    fc
      .array(fc.tuple(fieldPath, wrongValue), { minLength: 2, maxLength: 4 })
      .map((edits) => edits.reduce<object>((body, [path, value]) => setPath(body, path, value), valid)),
    fc.string({ minLength: 1, maxLength: 8 }).map((key) => ({ ...valid, [`x_${key}`]: 1 })),
    fc.constantFrom('siteId', 'touchpoint', 'channel').map((key) => {
      const { [key as keyof typeof valid]: _gone, ...rest } = valid;
      return rest;
    }),
    fc.constantFrom(...channels).map((channel) => ({ siteId: 'shop-jp', touchpoint: 'delivery', channel })),
    fc.string({ maxLength: 40 }).map((text) => `{"siteId":${text}`),
  )
  .filter((body) => typeof body === 'string' || !feedbackInputSchema.safeParse(body).success);

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('random invalid bodies (invariant 3)', () => {
  it('only ever get a 4xx that names a problem, and nothing is stored', async () => {
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(invalidBody, async (body) => {
        const response = await postFeedback(stack, body);
        const answer = (await response.json()) as { issues?: { path: string; message: string }[] };
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        if (response.status === 400) {
          expect(answer.issues?.length).toBeGreaterThan(0);
          for (const issue of answer.issues ?? []) expect(issue.message).not.toBe('');
        }
      }),
      { numRuns: 600, seed: 20261123 },
    );

    expect(await countItems(stack, 'feedback')).toBe(0);
    expect(statuses.get(400)).toBeGreaterThan(300);
  });
});
