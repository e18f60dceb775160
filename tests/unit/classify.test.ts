import { describe, expect, it } from 'vitest';
import {
  type CasePolicy,
  type CategoryDictionary,
  categoryOf,
  classify,
  type FeedbackForTriage,
  factsOf,
  type Match,
  type MatchFacts,
  matches,
  npsBucket,
  opensCase,
  type Rating,
  type RatingType,
  type RoutingConfig,
  routeOf,
  type Sentiment,
  type SeverityConfig,
  sentimentOf,
  severityOf,
  type TriageConfig,
} from '../../shared/domain/classify.ts';
import { containsKeyword, keywordIndex, normalizeText } from '../../shared/domain/normalize.ts';

// ---------------------------------------------------------------------------------------------
// Inline config
// ---------------------------------------------------------------------------------------------

const dict: CategoryDictionary = {
  reasons: {
    price_too_high: 'pricing',
    shipping_problem: 'delivery',
    payment_method_unavailable: 'payment',
    site_hard_to_use: 'usability',
    other: 'other',
  },
  keywords: {
    payment: ['支払', '決済', '二重請求', 'クレジットカード', 'charged twice', 'payment'],
    delivery: ['配送', '届かない', 'delivery', 'shipping'],
    usability: ['使いにくい', 'ログイン', 'hard to use', 'login'],
    pricing: ['高い', 'price'],
  },
};

const severityConfig: SeverityConfig = {
  keywords: ['二重請求', 'charged twice', '注文できない', 'cannot order'],
  rules: [
    {
      id: 'checkout-detractor',
      match: { touchpoints: ['checkout_abandonment'], score: { type: 'nps', min: 0, max: 6 } },
    },
    { id: 'vip-sku', match: { context: { sku: ['SKU-VIP', 42] } } },
  ],
};

const routing: RoutingConfig = {
  rules: [
    {
      id: 'critical-to-escalations',
      teamId: 'escalations',
      match: { severities: ['critical'], channels: ['phone'] },
    },
    { id: 'payment-to-orders', teamId: 'orders', match: { categories: ['payment'] } },
    { id: 'delivery-to-logistics', teamId: 'logistics', match: { categories: ['delivery'] } },
    { id: 'app-to-mobile', teamId: 'mobile', match: { channels: ['app'] } },
  ],
  fallbackTeamId: 'support',
};

const policy: CasePolicy = { negative: true, critical: true, commentWithConsent: true };

const config: TriageConfig = { categories: dict, severity: severityConfig, routing, casePolicy: policy };

function fb(over: Partial<FeedbackForTriage> = {}): FeedbackForTriage {
  return { siteId: 'shop-jp', touchpoint: 'post_purchase', channel: 'web', ...over };
}

function facts(over: Partial<MatchFacts> = {}): MatchFacts {
  return {
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    category: 'payment',
    reasons: ['payment_method_unavailable'],
    rating: { type: 'nps', score: 3 },
    normalizedComment: normalizeText('支払い方法が選べませんでした'),
    context: { sku: 'SKU-1', qty: 2, gift: true },
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------
// normalize
// ---------------------------------------------------------------------------------------------

describe('normalizeText / containsKeyword', () => {
  it('applies NFKC, lower-cases and collapses whitespace', () => {
    expect(normalizeText('ｸﾚｼﾞｯﾄｶｰﾄﾞ')).toBe('クレジットカード');
    expect(normalizeText('ＣＨＡＲＧＥＤ　ＴＷＩＣＥ')).toBe('charged twice');
    expect(normalizeText('  Hello \n\t  World  ')).toBe('hello world');
    expect(normalizeText('ＡＢＣ１２３')).toBe('abc123');
    expect(normalizeText('ﾊﾟｽﾜｰﾄﾞ')).toBe('パスワード');
    expect(normalizeText('')).toBe('');
  });

  it('matches keywords as substrings after normalising both sides', () => {
    const text = normalizeText('ｸﾚｼﾞｯﾄｶｰﾄﾞで支払ったのに ＣＨＡＲＧＥＤ  ＴＷＩＣＥ!');
    expect(containsKeyword(text, 'クレジットカード')).toBe(true);
    expect(containsKeyword(text, 'charged twice')).toBe(true);
    expect(containsKeyword(text, 'Charged Twice')).toBe(true);
    expect(containsKeyword(text, '支払')).toBe(true);
    expect(containsKeyword(text, '配送')).toBe(false);
    expect(containsKeyword(text, '')).toBe(false);
    expect(containsKeyword(text, '   ')).toBe(false);
    expect(keywordIndex(text, 'クレジットカード')).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// sentiment
// ---------------------------------------------------------------------------------------------

describe('sentimentOf / npsBucket', () => {
  const table: [RatingType, number, Sentiment | undefined][] = [
    ['nps', 0, 'negative'],
    ['nps', 3, 'negative'],
    ['nps', 6, 'negative'],
    ['nps', 7, 'neutral'],
    ['nps', 8, 'neutral'],
    ['nps', 9, 'positive'],
    ['nps', 10, 'positive'],
    ['nps', -1, undefined],
    ['nps', 11, undefined],
    ['nps', 6.5, undefined],
    ['csat', 1, 'negative'],
    ['csat', 2, 'negative'],
    ['csat', 3, 'neutral'],
    ['csat', 4, 'positive'],
    ['csat', 5, 'positive'],
    ['csat', 0, undefined],
    ['csat', 6, undefined],
    ['ces', 1, 'negative'],
    ['ces', 2, 'negative'],
    ['ces', 3, 'negative'],
    ['ces', 4, 'neutral'],
    ['ces', 5, 'positive'],
    ['ces', 6, 'positive'],
    ['ces', 7, 'positive'],
    ['ces', 0, undefined],
    ['ces', 8, undefined],
    ['thumbs', 0, 'negative'],
    ['thumbs', 1, 'positive'],
    ['thumbs', 2, undefined],
    ['thumbs', -1, undefined],
  ];
  it.each(table)('%s %d → %s', (type, score, expected) => {
    expect(sentimentOf({ type, score })).toBe(expected);
  });

  it('no rating → undefined', () => {
    expect(sentimentOf(undefined)).toBeUndefined();
    expect(sentimentOf()).toBeUndefined();
  });

  it('NPS buckets, and none for other scales', () => {
    const bucket = (score: number) => npsBucket({ type: 'nps', score });
    expect([0, 6, 7, 8, 9, 10].map(bucket)).toEqual([
      'detractor',
      'detractor',
      'passive',
      'passive',
      'promoter',
      'promoter',
    ]);
    expect(bucket(11)).toBeUndefined();
    expect(npsBucket({ type: 'csat', score: 1 })).toBeUndefined();
    expect(npsBucket(undefined)).toBeUndefined();
  });

  it('every NPS score: detractor ⇔ negative, passive ⇔ neutral, promoter ⇔ positive', () => {
    const pair = { detractor: 'negative', passive: 'neutral', promoter: 'positive' } as const;
    for (let score = 0; score <= 10; score++) {
      const r: Rating = { type: 'nps', score };
      const b = npsBucket(r);
      expect(b).toBeDefined();
      if (b !== undefined) expect(sentimentOf(r)).toBe(pair[b]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// category
// ---------------------------------------------------------------------------------------------

describe('categoryOf', () => {
  it('takes the first reason that maps', () => {
    expect(categoryOf(fb({ reasons: ['payment_method_unavailable'] }), dict)).toBe('payment');
    expect(categoryOf(fb({ reasons: ['unknown_reason', 'shipping_problem', 'price_too_high'] }), dict)).toBe(
      'delivery',
    );
  });

  it('reasons win over keywords', () => {
    expect(categoryOf(fb({ reasons: ['price_too_high'], comment: '配送が遅い' }), dict)).toBe('pricing');
  });

  it("a reason mapped to 'other' does not hide a specific reason or keyword", () => {
    expect(categoryOf(fb({ reasons: ['other', 'site_hard_to_use'] }), dict)).toBe('usability');
    expect(categoryOf(fb({ reasons: ['other'], comment: '配送が遅い' }), dict)).toBe('delivery');
    expect(categoryOf(fb({ reasons: ['other'] }), dict)).toBe('other');
  });

  it('ignores reasons that only exist on Object.prototype', () => {
    expect(categoryOf(fb({ reasons: ['constructor', 'toString'] }), dict)).toBe('other');
  });

  it('falls back to Japanese keywords, including half-width katakana', () => {
    expect(categoryOf(fb({ comment: '決済画面でエラーになりました' }), dict)).toBe('payment');
    expect(categoryOf(fb({ comment: 'ｸﾚｼﾞｯﾄｶｰﾄﾞが使えない' }), dict)).toBe('payment');
    expect(categoryOf(fb({ comment: '荷物が届かない' }), dict)).toBe('delivery');
    expect(categoryOf(fb({ comment: 'ﾛｸﾞｲﾝ画面が使いにくい' }), dict)).toBe('usability');
  });

  it('falls back to English keywords, case- and width-insensitive', () => {
    expect(categoryOf(fb({ comment: 'I was ＣＨＡＲＧＥＤ ＴＷＩＣＥ for one order' }), dict)).toBe(
      'payment',
    );
    expect(categoryOf(fb({ comment: 'The DELIVERY was late' }), dict)).toBe('delivery');
    expect(categoryOf(fb({ comment: 'charged\n  twice' }), dict)).toBe('payment');
  });

  it('chooses the category whose keyword appears earliest; ties go to dictionary order', () => {
    expect(categoryOf(fb({ comment: '配送は遅いし支払もできない' }), dict)).toBe('delivery');
    expect(categoryOf(fb({ comment: '支払もできないし配送は遅い' }), dict)).toBe('payment');
    expect(categoryOf(fb({ comment: 'shipping price was odd' }), dict)).toBe('delivery');
    expect(categoryOf(fb({ comment: 'price of shipping was odd' }), dict)).toBe('pricing');
    const tie: CategoryDictionary = { reasons: {}, keywords: { a: ['ログインできない'], b: ['ログイン'] } };
    expect(categoryOf(fb({ comment: 'ログインできない' }), tie)).toBe('a');
    const tie2: CategoryDictionary = { reasons: {}, keywords: { b: ['ログイン'], a: ['ログインできない'] } };
    expect(categoryOf(fb({ comment: 'ログインできない' }), tie2)).toBe('b');
  });

  it("is 'other' without a match", () => {
    expect(categoryOf(fb({ comment: 'とても良かったです' }), dict)).toBe('other');
    expect(categoryOf(fb({ rating: { type: 'nps', score: 10 } }), dict)).toBe('other');
    expect(categoryOf(fb({ comment: '   ' }), dict)).toBe('other');
  });
});

// ---------------------------------------------------------------------------------------------
// matches
// ---------------------------------------------------------------------------------------------

describe('matches', () => {
  it('an empty match matches everything', () => {
    expect(matches({}, facts())).toBe(true);
    expect(matches({}, facts({ rating: undefined, normalizedComment: '' }))).toBe(true);
  });

  it('each field, positive and negative', () => {
    const f = facts();
    const cases: [Match, boolean][] = [
      [{ touchpoints: ['checkout_abandonment', 'delivery'] }, true],
      [{ touchpoints: ['delivery'] }, false],
      [{ channels: ['web'] }, true],
      [{ channels: ['app'] }, false],
      [{ categories: ['payment'] }, true],
      [{ categories: ['delivery'] }, false],
      [{ reasons: ['x', 'payment_method_unavailable'] }, true],
      [{ reasons: ['x'] }, false],
      [{ keywords: ['配送', '支払い'] }, true],
      [{ keywords: ['ｼﾊﾗｲ', '支払い'] }, true],
      [{ keywords: ['配送'] }, false],
      [{ score: { type: 'nps', min: 0, max: 6 } }, true],
      [{ score: { type: 'nps', min: 3, max: 3 } }, true],
      [{ score: { type: 'nps', min: 4, max: 10 } }, false],
      [{ score: { type: 'csat', min: 1, max: 5 } }, false],
      [{ score: { type: 'nps', max: 3 } }, true],
      [{ context: { sku: ['SKU-1', 'SKU-2'] } }, true],
      [{ context: { sku: ['SKU-2'] } }, false],
      [{ context: { qty: ['2'] } }, true],
      [{ context: { qty: [2] } }, true],
      [{ context: { gift: ['true'] } }, true],
      [{ context: { orderId: ['1'] } }, false],
      [{ context: { toString: ['x'] } }, false],
      [{ context: {} }, true],
      [{ severities: ['critical'] }, false],
      [{ touchpoints: [] }, false],
    ];
    for (const [m, want] of cases) expect(matches(m, f), JSON.stringify(m)).toBe(want);
  });

  it('all present fields must hold', () => {
    const f = facts();
    expect(
      matches({ touchpoints: ['checkout_abandonment'], score: { type: 'nps', min: 0, max: 6 } }, f),
    ).toBe(true);
    expect(
      matches({ touchpoints: ['checkout_abandonment'], score: { type: 'nps', min: 7, max: 10 } }, f),
    ).toBe(false);
    expect(matches({ channels: ['web'], categories: ['payment'], keywords: ['配送'] }, f)).toBe(false);
  });

  it('score without a rating never matches; severities need the decided severity', () => {
    expect(matches({ score: { type: 'nps', min: 0, max: 10 } }, facts({ rating: undefined }))).toBe(false);
    expect(matches({ severities: ['critical'] }, facts({ severity: 'critical' }))).toBe(true);
    expect(matches({ severities: ['critical'] }, facts({ severity: 'routine' }))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// severity, routing, case policy
// ---------------------------------------------------------------------------------------------

describe('severityOf', () => {
  const sev = (f: FeedbackForTriage) => severityOf(f, factsOf(f, categoryOf(f, dict)), severityConfig);

  it('critical by keyword (ja and en, any width), reporting the keyword', () => {
    expect(sev(fb({ comment: '二重請求されています' }))).toEqual({
      severity: 'critical',
      ruleId: 'keyword:二重請求',
    });
    expect(sev(fb({ comment: 'I was ＣＨＡＲＧＥＤ ＴＷＩＣＥ' }))).toEqual({
      severity: 'critical',
      ruleId: 'keyword:charged twice',
    });
    expect(sev(fb({ comment: 'カートから注文できない' }))).toEqual({
      severity: 'critical',
      ruleId: 'keyword:注文できない',
    });
  });

  it('keywords are checked before rules', () => {
    const f = fb({
      touchpoint: 'checkout_abandonment',
      rating: { type: 'nps', score: 2 },
      comment: 'cannot order',
    });
    expect(sev(f)).toEqual({ severity: 'critical', ruleId: 'keyword:cannot order' });
  });

  it('critical by rule (first matching rule id)', () => {
    expect(sev(fb({ touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 6 } }))).toEqual({
      severity: 'critical',
      ruleId: 'checkout-detractor',
    });
    expect(sev(fb({ context: { sku: 'SKU-VIP' } }))).toEqual({ severity: 'critical', ruleId: 'vip-sku' });
    expect(sev(fb({ context: { sku: 42 } }))).toEqual({ severity: 'critical', ruleId: 'vip-sku' });
  });

  it('routine otherwise', () => {
    expect(sev(fb({ touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 7 } }))).toEqual({
      severity: 'routine',
    });
    expect(sev(fb({ touchpoint: 'post_purchase', rating: { type: 'nps', score: 0 } }))).toEqual({
      severity: 'routine',
    });
    expect(sev(fb({ comment: '二重' }))).toEqual({ severity: 'routine' });
    expect(severityOf(fb(), facts({ normalizedComment: '' }), { keywords: [], rules: [] })).toEqual({
      severity: 'routine',
    });
  });
});

describe('routeOf', () => {
  it('first matching rule wins, in config order', () => {
    expect(routeOf(facts({ category: 'payment', channel: 'app' }), routing)).toEqual({
      teamId: 'orders',
      routedBy: 'payment-to-orders',
    });
    expect(routeOf(facts({ category: 'delivery', channel: 'app' }), routing)).toEqual({
      teamId: 'logistics',
      routedBy: 'delivery-to-logistics',
    });
    expect(routeOf(facts({ category: 'other', channel: 'app' }), routing)).toEqual({
      teamId: 'mobile',
      routedBy: 'app-to-mobile',
    });
    const reversed: RoutingConfig = { ...routing, rules: [...routing.rules].reverse() };
    expect(routeOf(facts({ category: 'payment', channel: 'app' }), reversed)).toEqual({
      teamId: 'mobile',
      routedBy: 'app-to-mobile',
    });
  });

  it('routes on the decided severity', () => {
    expect(routeOf(facts({ channel: 'phone', severity: 'critical' }), routing)).toEqual({
      teamId: 'escalations',
      routedBy: 'critical-to-escalations',
    });
    expect(routeOf(facts({ channel: 'phone', severity: 'routine' }), routing).routedBy).toBe(
      'payment-to-orders',
    );
  });

  it('falls back when nothing matches', () => {
    expect(routeOf(facts({ category: 'usability', channel: 'web' }), routing)).toEqual({
      teamId: 'support',
      routedBy: 'fallback',
    });
    expect(routeOf(facts(), { rules: [], fallbackTeamId: 'support' })).toEqual({
      teamId: 'support',
      routedBy: 'fallback',
    });
  });
});

describe('opensCase', () => {
  const withConsent = fb({
    comment: 'ご連絡ください',
    customer: { email: 'a@example.com', contactConsent: true },
  });
  const noConsent = fb({
    comment: 'ご連絡ください',
    customer: { email: 'a@example.com', contactConsent: false },
  });
  const blankConsent = fb({ comment: '  ', customer: { email: 'a@example.com', contactConsent: true } });
  const none: CasePolicy = { negative: false, critical: false, commentWithConsent: false };

  it('negative sentiment', () => {
    expect(opensCase(fb(), 'negative', 'routine', policy)).toBe(true);
    expect(opensCase(fb(), 'negative', 'routine', { ...none, negative: true })).toBe(true);
    expect(opensCase(fb(), 'negative', 'routine', { ...policy, negative: false })).toBe(false);
    expect(opensCase(fb(), 'neutral', 'routine', policy)).toBe(false);
    expect(opensCase(fb(), 'positive', 'routine', policy)).toBe(false);
    expect(opensCase(fb(), undefined, 'routine', policy)).toBe(false);
  });

  it('critical severity', () => {
    expect(opensCase(fb(), 'positive', 'critical', policy)).toBe(true);
    expect(opensCase(fb(), undefined, 'critical', { ...none, critical: true })).toBe(true);
    expect(opensCase(fb(), 'positive', 'critical', { ...policy, critical: false })).toBe(false);
  });

  it('comment with contact consent', () => {
    expect(opensCase(withConsent, 'positive', 'routine', policy)).toBe(true);
    expect(opensCase(withConsent, undefined, 'routine', { ...none, commentWithConsent: true })).toBe(true);
    expect(opensCase(withConsent, 'positive', 'routine', { ...policy, commentWithConsent: false })).toBe(
      false,
    );
    expect(opensCase(noConsent, 'positive', 'routine', policy)).toBe(false);
    expect(opensCase(blankConsent, 'positive', 'routine', policy)).toBe(false);
    expect(opensCase(fb({ customer: { contactConsent: true } }), 'positive', 'routine', policy)).toBe(false);
  });

  it('all off never opens', () => {
    for (const s of ['negative', 'neutral', 'positive', undefined] as const) {
      for (const v of ['critical', 'routine'] as const) {
        expect(opensCase(withConsent, s, v, none)).toBe(false);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// classify
// ---------------------------------------------------------------------------------------------

describe('classify', () => {
  it('a checkout detractor about payment (the design example)', () => {
    const result = classify(
      fb({
        touchpoint: 'checkout_abandonment',
        rating: { type: 'nps', score: 3 },
        comment: '支払い方法が選べませんでした',
        reasons: ['payment_method_unavailable'],
        customer: { email: 'a@example.com', locale: 'ja', contactConsent: true },
      }),
      config,
    );
    expect(result).toEqual({
      sentiment: 'negative',
      npsBucket: 'detractor',
      category: 'payment',
      severity: 'critical',
      severityRule: 'checkout-detractor',
      teamId: 'orders',
      routedBy: 'payment-to-orders',
      opensCase: true,
    });
  });

  it('a happy promoter without comment opens nothing and is routed by fallback', () => {
    expect(classify(fb({ rating: { type: 'nps', score: 10 } }), config)).toEqual({
      sentiment: 'positive',
      npsBucket: 'promoter',
      category: 'other',
      severity: 'routine',
      severityRule: undefined,
      teamId: 'support',
      routedBy: 'fallback',
      opensCase: false,
    });
  });

  it('a critical keyword by phone goes to escalations, without any rating', () => {
    const result = classify(fb({ channel: 'phone', comment: 'ｸﾚｼﾞｯﾄｶｰﾄﾞで二重請求された' }), config);
    expect(result).toMatchObject({
      sentiment: undefined,
      npsBucket: undefined,
      category: 'payment',
      severity: 'critical',
      severityRule: 'keyword:二重請求',
      teamId: 'escalations',
      routedBy: 'critical-to-escalations',
      opensCase: true,
    });
  });

  it('CSAT, CES and thumbs feed the case policy', () => {
    const neutralPolicy: TriageConfig = {
      ...config,
      casePolicy: { negative: true, critical: false, commentWithConsent: false },
    };
    expect(classify(fb({ rating: { type: 'csat', score: 2 } }), neutralPolicy).opensCase).toBe(true);
    expect(classify(fb({ rating: { type: 'csat', score: 3 } }), neutralPolicy).opensCase).toBe(false);
    expect(classify(fb({ rating: { type: 'ces', score: 3 } }), neutralPolicy).opensCase).toBe(true);
    expect(classify(fb({ rating: { type: 'ces', score: 5 } }), neutralPolicy).opensCase).toBe(false);
    expect(classify(fb({ rating: { type: 'thumbs', score: 0 } }), neutralPolicy).opensCase).toBe(true);
    expect(classify(fb({ rating: { type: 'thumbs', score: 1 } }), neutralPolicy)).toMatchObject({
      sentiment: 'positive',
      npsBucket: undefined,
      opensCase: false,
    });
  });

  it('is pure: same input, same output, input untouched', () => {
    const input = fb({
      channel: 'app',
      comment: 'ＬＯＧＩＮ できない',
      reasons: ['other'],
      context: { sku: 'A' },
    });
    const snapshot = structuredClone(input);
    const a = classify(input, config);
    const b = classify(input, config);
    expect(a).toEqual(b);
    expect(input).toEqual(snapshot);
    expect(a).toMatchObject({ category: 'usability', teamId: 'mobile', routedBy: 'app-to-mobile' });
  });
});
