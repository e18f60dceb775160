import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CATEGORY_REASONS } from '../../shared/config/defaults.ts';
import { parseFeedbackInput } from '../../shared/domain/feedback.ts';
import { reasonIds, resolveLocale, texts } from '../../web/widget/i18n.ts';
import {
  type Answer,
  type AskOptions,
  buildPayload,
  checkOptions,
  newIdempotencyKey,
  scoreRange,
} from '../../web/widget/payload.ts';
import { exampleConfig } from '../support/local-stack.ts';

const checkout: AskOptions = { touchpoint: 'checkout_abandonment', scale: 'nps', reasons: true };
const answer = (over: Partial<Answer> = {}): Answer => ({ reasons: [], comment: '', ...over });

describe('the widget builds the body of POST /v1/feedback', () => {
  it('maps an NPS answer with reasons, comment, customer and order reference to the contract', () => {
    const body = buildPayload(
      'shop-jp',
      {
        ...checkout,
        customer: { email: 'a@example.com', locale: 'ja', contactConsent: true },
        context: { orderId: 'A-1001', items: 2 },
      },
      answer({
        score: 3,
        reasons: ['payment_method_unavailable'],
        comment: '  支払い方法が選べませんでした \n',
      }),
      'ja',
      'https://shop.example.jp/cart?token=secret#pay',
    );

    expect(body).toEqual({
      siteId: 'shop-jp',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 3 },
      comment: '支払い方法が選べませんでした',
      reasons: ['payment_method_unavailable'],
      customer: { email: 'a@example.com', locale: 'ja', contactConsent: true },
      context: { orderId: 'A-1001', items: 2, pageUrl: 'https://shop.example.jp/cart' },
    });
    expect(parseFeedbackInput(body)).toEqual(body);
  });

  it('leaves out what the customer did not give, and unknown reasons', () => {
    const body = buildPayload(
      'shop-en',
      { touchpoint: 'support_chat', scale: 'csat', channel: 'chat' },
      answer({ reasons: ['not_a_reason'], comment: '   ' }),
      'en',
    );

    expect(body).toEqual({
      siteId: 'shop-en',
      touchpoint: 'support_chat',
      channel: 'chat',
      customer: { locale: 'en' },
    });
  });

  it('refuses a score outside the scale instead of sending one the server rejects', () => {
    const csat = buildPayload(
      'shop-jp',
      { touchpoint: 'delivery', scale: 'csat' },
      answer({ score: 0 }),
      'ja',
    );
    const nps = buildPayload('shop-jp', { touchpoint: 'delivery' }, answer({ score: 10 }), 'ja');

    expect(csat.rating).toBeUndefined();
    expect(nps.rating).toEqual({ type: 'nps', score: 10 });
    expect(scoreRange('csat')).toEqual([1, 2, 3, 4, 5]);
    expect(scoreRange('nps')).toHaveLength(11);
  });

  it('claims contact consent only with an address, from the site or from the consent checkbox', () => {
    const noAddress = buildPayload(
      'shop-jp',
      { ...checkout, customer: { contactConsent: true } },
      answer({ score: 2, consent: true }),
      'ja',
    );
    const ticked = buildPayload(
      'shop-jp',
      { ...checkout, customer: { email: 'b@example.com' } },
      answer({ score: 2, consent: true }),
      'en',
    );
    const notTicked = buildPayload(
      'shop-jp',
      { ...checkout, customer: { email: 'b@example.com' } },
      answer({ score: 2 }),
      'en',
    );

    expect(noAddress.customer).toEqual({ locale: 'ja' });
    expect(ticked.customer).toEqual({ email: 'b@example.com', locale: 'en', contactConsent: true });
    expect(notTicked.customer).toEqual({ email: 'b@example.com', locale: 'en' });
  });

  it('keeps the context within the contract: identifier keys, short strings, at most 30 fields', () => {
    const context: Record<string, string | number | boolean> = { 'bad key': 'x', long: 'y'.repeat(600) };
    for (let i = 0; i < 40; i++) context[`f${i}`] = i;

    const body = buildPayload(
      'shop-jp',
      { ...checkout, context },
      answer({ score: 9 }),
      'ja',
      'https://s.example/',
    );

    expect(Object.keys(body.context!)).toHaveLength(30);
    expect(body.context).not.toHaveProperty('bad key');
    expect(body.context!.long).toHaveLength(500);
    expect(body.context!.pageUrl).toBe('https://s.example/');
    expect(() => parseFeedbackInput(body)).not.toThrow();
  });

  it('produces only bodies the server accepts, for any answer a customer can give', () => {
    const anyAnswer = fc.record({
      scale: fc.constantFrom('nps' as const, 'csat' as const),
      score: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
      reasons: fc.subarray([...reasonIds]),
      comment: fc.string({ maxLength: 5000 }),
      email: fc.option(fc.constant('c@example.jp'), { nil: undefined }),
      consent: fc.boolean(),
    });
    fc.assert(
      fc.property(anyAnswer, (a) => {
        const body = buildPayload(
          'shop-jp',
          { touchpoint: 'post_purchase', scale: a.scale, customer: { email: a.email } },
          { score: a.score, reasons: a.reasons, comment: a.comment, consent: a.consent },
          'ja',
        );
        const answered =
          body.rating !== undefined || body.comment !== undefined || body.reasons !== undefined;
        // The dialog refuses to send an empty answer; everything else must pass the contract.
        if (answered) expect(parseFeedbackInput(body)).toEqual(body);
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});

describe('the widget speaks the contract and config', () => {
  it('offers exactly the abandonment reasons the categories know, with ja and en labels', () => {
    const configured = Object.keys(exampleConfig().categories.reasons);

    for (const id of reasonIds) {
      expect(DEFAULT_CATEGORY_REASONS).toHaveProperty(id);
      expect(configured).toContain(id);
      expect(texts.ja.reasons[id]).toBeTruthy();
      expect(texts.en.reasons[id]).toBeTruthy();
    }
    expect(reasonIds).toEqual([
      'price_too_high',
      'shipping_problem',
      'payment_method_unavailable',
      'insufficient_product_info',
      'site_hard_to_use',
      'other',
    ]);
  });

  it('refuses options a site got wrong before asking anyone', () => {
    expect(checkOptions({ touchpoint: 'checkout_abandonment', scale: 'csat' })).toBeUndefined();
    expect(checkOptions({ touchpoint: 'Checkout Abandonment' })).toMatch(/touchpoint/);
    expect(checkOptions({ touchpoint: 'delivery', scale: 'ces' as 'nps' })).toMatch(/scale/);
  });

  it('picks ja or en from the setting, else the browser, else English', () => {
    expect(resolveLocale('ja', 'en-US')).toBe('ja');
    expect(resolveLocale(undefined, 'ja-JP')).toBe('ja');
    expect(resolveLocale('fr', 'en_GB')).toBe('en');
    expect(resolveLocale(null, 'de')).toBe('en');
  });
});

describe('Idempotency-Key', () => {
  const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('is a UUID v4 the server accepts, with or without crypto.randomUUID', () => {
    const platform = newIdempotencyKey();
    const fromRandomValues = newIdempotencyKey({ getRandomValues: (b) => b.fill(0xff) });
    const withoutCrypto = newIdempotencyKey({});

    for (const key of [platform, fromRandomValues, withoutCrypto]) {
      expect(key).toMatch(uuidV4);
      expect(key).toMatch(/^[\x21-\x7e]{1,255}$/);
    }
    expect(fromRandomValues).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });

  it('differs per answer', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey({})));

    expect(keys.size).toBe(100);
  });
});
