/**
 * A seeded, realistic mix of feedback over the sites, touchpoints, reasons and severities of
 * closeloop.config.example.json, as `POST /v1/feedback` bodies: the same mix run after run, for
 * bench/scale.ts and bench/cost.ts.
 */
import type { Config } from '../shared/config/schema.ts';
import { seededRandom } from '../tests/support/faults.ts';

export interface MixedFeedback {
  siteId: string;
  /** The shop backends post with the server key; browsers on a shop's page with the site key. */
  key: 'site' | 'server';
  body: Record<string, unknown>;
}

const touchpoints = [
  ['checkout_abandonment', 25],
  ['post_purchase', 25],
  ['delivery', 15],
  ['product_use', 15],
  ['support_chat', 10],
  ['account_creation', 10],
] as const;

/** Scores as shops see them: most customers content, a tail of detractors. */
const weights = (first: number, w: number[]) => w.map((weight, i) => [first + i, weight] as const);
const scores = {
  nps: weights(0, [2, 1, 1, 2, 2, 4, 5, 10, 15, 22, 36]),
  csat: weights(1, [5, 5, 15, 35, 40]),
  ces: weights(1, [3, 4, 8, 15, 25, 25, 20]),
  thumbs: weights(0, [20, 80]),
};

const comments = {
  ja: [
    '送料が高い',
    '荷物が届かない',
    'サイズ表記が分かりにくい',
    'とても使いやすい',
    '返品したい',
    'クーポンが使えない',
  ],
  en: [
    'Shipping costs too much',
    'My parcel never came',
    'Great service',
    'The size chart is unclear',
    'I want to return it',
  ],
};
const critical = {
  ja: ['二重請求されました', 'ログインできない'],
  en: ['I was charged twice', 'cannot log in'],
};

export function feedbackMix(config: Config, count: number, seed = 7): MixedFeedback[] {
  const rnd = seededRandom(seed);
  const pick = <T>(weighted: readonly (readonly [T, number])[]): T => {
    const total = weighted.reduce((s, [, w]) => s + w, 0);
    let r = rnd() * total;
    for (const [value, w] of weighted) {
      r -= w;
      if (r < 0) return value;
    }
    return weighted[weighted.length - 1]![0];
  };
  const reasons = Object.keys(config.categories.reasons);
  const sites = config.sites.map((s) => s.id);
  return Array.from({ length: count }, (_, i) => {
    const siteId = pick(sites.map((id, n) => [id, n === 0 ? 5 : n === 1 ? 3 : 2] as const));
    const app = siteId.startsWith('app');
    const lang = siteId.endsWith('en') ? 'en' : 'ja';
    const channel = app
      ? pick([
          ['app', 9],
          ['chat', 1],
        ] as const)
      : pick([
          ['web', 17],
          ['email', 2],
          ['chat', 1],
        ] as const);
    const kind = pick([
      ['nps', 50],
      ['csat', 25],
      ['ces', 10],
      ['thumbs', 10],
      ['none', 5],
    ] as const);
    const rating = kind === 'none' ? undefined : { type: kind, score: pick(scores[kind]) };
    const comment =
      rnd() < 0.03
        ? critical[lang][i % 2]
        : kind === 'none' || rnd() < 0.5
          ? comments[lang][i % comments[lang].length]
          : undefined;
    const withReasons =
      rnd() < 0.4 ? [...new Set([reasons[i % reasons.length]!, reasons[(i * 7) % reasons.length]!])] : [];
    const email = rnd() < 0.5 ? `customer${i}@example.${lang === 'ja' ? 'jp' : 'com'}` : undefined;
    return {
      siteId,
      key: app ? 'server' : 'site',
      body: {
        siteId,
        touchpoint: pick(touchpoints),
        channel,
        ...(rating ? { rating } : {}),
        ...(comment ? { comment } : {}),
        ...(withReasons.length ? { reasons: withReasons.slice(0, 1 + (i % 2)) } : {}),
        ...(email ? { customer: { email, locale: lang, contactConsent: rnd() < 0.8 } } : {}),
      },
    };
  });
}
