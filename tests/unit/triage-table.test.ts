import { describe, expect, it } from 'vitest';
import { triageFeedback } from '../../core/cases/triage.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import type { Feedback, FeedbackInput } from '../../shared/domain/feedback.ts';
import { InMemoryTriage } from '../support/triage-fakes.ts';

/**
 * Triage of realistic feedback against the example config (a Japanese shop: five teams, Tokyo
 * calendars with the 2026 public holidays). Every row is triaged on a fresh store, optionally
 * with a team's assignment state preset, by the real use case with in-memory ports and a clock
 * fixed well after the feedback arrived (deadlines count from `receivedAt`, not from triage).
 *
 * Deadlines were worked out by hand from the calendars:
 * - tokyo-office: Mon–Fri 09:00–18:00 JST, 2026-11-23 (Mon) is 勤労感謝の日;
 * - support-desk: Mon–Sat 09:00–21:00 JST, open on 2026-11-23;
 * - SLA: critical 120 / 960 business minutes, routine 480 / 2700.
 */
const config = loadConfigFile('closeloop.config.example.json');
const clock = new VirtualClock(new Date('2026-12-01T00:00:00Z'));

/** When the feedback was received. */
const RECEIVED = {
  /** Wednesday 10:00 JST. */
  WED: '2026-11-18T01:00:00.000Z',
  /** Friday 17:30 JST, before a holiday Monday. */
  FRI: '2026-11-20T08:30:00.000Z',
  /** Saturday 11:00 JST (tokyo-office is closed, support-desk open). */
  SAT: '2026-11-21T02:00:00.000Z',
  /** Friday 17:30 JST, ordinary Monday after. */
  FRI13: '2026-11-13T08:30:00.000Z',
} as const;
type Received = keyof typeof RECEIVED;
type Sev = 'critical' | 'routine';

/** [acknowledgeBy, resolveBy] by calendar, received time and severity (UTC; JST = UTC+9). */
const DUE: Record<'tokyo' | 'desk', Partial<Record<Received, Partial<Record<Sev, [string, string]>>>>> = {
  tokyo: {
    // Wed 10:00 → routine: Wed 18:00 / Thu 11-26 10:00 (skips Mon 23rd); critical: Wed 12:00 / Thu 17:00
    WED: {
      routine: ['2026-11-18T09:00:00.000Z', '2026-11-26T01:00:00.000Z'],
      critical: ['2026-11-18T03:00:00.000Z', '2026-11-19T08:00:00.000Z'],
    },
    // Fri 17:30 → the holiday Monday is skipped: routine Tue 16:30 / Mon 30th 17:30; critical Tue 10:30 / Wed 15:30
    FRI: {
      routine: ['2026-11-24T07:30:00.000Z', '2026-11-30T08:30:00.000Z'],
      critical: ['2026-11-24T01:30:00.000Z', '2026-11-25T06:30:00.000Z'],
    },
    // Sat 11:00 → counting starts Tue 09:00: routine Tue 17:00 / Mon 30th 18:00; critical Tue 11:00 / Wed 16:00
    SAT: {
      routine: ['2026-11-24T08:00:00.000Z', '2026-11-30T09:00:00.000Z'],
      critical: ['2026-11-24T02:00:00.000Z', '2026-11-25T07:00:00.000Z'],
    },
    // Fri 13th 17:30 → critical Mon 16th 10:30 (the example) / Tue 15:30
    FRI13: {
      routine: ['2026-11-16T07:30:00.000Z', '2026-11-20T08:30:00.000Z'],
      critical: ['2026-11-16T01:30:00.000Z', '2026-11-17T06:30:00.000Z'],
    },
  },
  desk: {
    // (critical feedback in the example config always routes to another team)
    // Wed 10:00 → Wed 18:00 / Sat 19:00
    WED: { routine: ['2026-11-18T09:00:00.000Z', '2026-11-21T10:00:00.000Z'] },
    // Fri 17:30 → Sat 13:30 / Wed 14:30 (Mon 23rd is a working day at the desk)
    FRI: { routine: ['2026-11-21T04:30:00.000Z', '2026-11-25T05:30:00.000Z'] },
    // Sat 11:00 → Sat 19:00 / Wed 20:00
    SAT: { routine: ['2026-11-21T10:00:00.000Z', '2026-11-25T11:00:00.000Z'] },
  },
};

const consentJa = { email: 'hanako@example.jp', name: '山田 花子', locale: 'ja', contactConsent: true };
const consentEn = { email: 'alex@example.com', name: 'Alex Smith', locale: 'en', contactConsent: true };

interface Row {
  name: string;
  input: Omit<FeedbackInput, 'siteId'> & { siteId?: string };
  at: Received;
  state?: { cursor?: { lastMemberId: string; seq: number }; open?: Record<string, number> };
  sentiment: 'negative' | 'neutral' | 'positive';
  category: string;
  severity: Sev;
  team: string;
  routedBy: string;
  /** Assignee when a case opens; `null` when the feedback is only counted. */
  assignee: string | null;
}

const rows: Row[] = [
  // ---- checkout_abandonment ----------------------------------------------------------------
  {
    name: 'ja detractor who could not pick a payment method (reason → payment; checkout detractor → critical)',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 3 },
      comment: '支払い方法が選べませんでした',
      reasons: ['payment_method_unavailable'],
      customer: consentJa,
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'ja CSAT 2 coupon complaint on Friday 17:30 is due Monday 10:30; fewest open skips unavailable ito',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'app',
      rating: { type: 'csat', score: 2 },
      comment: 'クーポンが使えなかった',
    },
    at: 'FRI13',
    state: { open: { tanaka: 2, watanabe: 1, ito: 0, yamamoto: 1 } },
    sentiment: 'negative',
    category: 'pricing',
    severity: 'critical',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: 'watanabe',
  },
  {
    name: 'en promoter with a smooth checkout is counted, no case',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 9 },
      comment: 'Smooth checkout, thanks!',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'order',
    severity: 'routine',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: null,
  },
  {
    name: 'full-width ＰＡＹＰＡＹ matches the payment keyword "pay"',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 5 },
      comment: 'ＰＡＹＰＡＹで支払えない',
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'ja "注文できない" without a rating: severity keyword → critical and negative',
    input: { touchpoint: 'checkout_abandonment', channel: 'web', comment: '注文できない！カートが空になる' },
    at: 'WED',
    sentiment: 'negative',
    category: 'order',
    severity: 'critical',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'en comment without rating or keyword is neutral and only counted',
    input: { touchpoint: 'checkout_abandonment', channel: 'app', comment: 'Just browsing' },
    at: 'WED',
    sentiment: 'neutral',
    category: 'other',
    severity: 'routine',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: null,
  },
  {
    name: 'ja passive with a price reason: pricing category, still routed by the checkout rule',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 8 },
      reasons: ['price_too_high'],
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'pricing',
    severity: 'routine',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: null,
  },
  {
    name: 'en CSAT 1 with two reasons: the first mapped reason decides the category',
    input: {
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'csat', score: 1 },
      comment: 'The page kept showing an error at payment',
      reasons: ['site_hard_to_use', 'payment_method_unavailable'],
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'usability',
    severity: 'critical',
    team: 'orders',
    routedBy: 'checkout-abandonment-to-orders',
    assignee: 'tanaka',
  },
  // ---- payment ------------------------------------------------------------------------------
  {
    name: 'half-width ｸﾚｼﾞｯﾄｶｰﾄﾞ with CSAT 1 on Saturday: payment, critical, counted from Tuesday',
    input: {
      touchpoint: 'post_purchase',
      channel: 'app',
      rating: { type: 'csat', score: 1 },
      comment: 'ｸﾚｼﾞｯﾄｶｰﾄﾞが通らない',
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'payment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'ja 二重請求 by email without a rating: critical, negative',
    input: {
      touchpoint: 'post_purchase',
      channel: 'email',
      comment: '二重請求されています',
      customer: consentJa,
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'payment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'en "charged twice" on Friday evening: critical, due Tuesday after the holiday',
    input: {
      touchpoint: 'post_purchase',
      channel: 'web',
      comment: 'I was charged twice for one order',
      customer: consentEn,
    },
    at: 'FRI',
    state: { open: { tanaka: 1, watanabe: 1, yamamoto: 0 } },
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'payment-to-orders',
    assignee: 'yamamoto',
  },
  {
    name: 'en phone detractor about a refund: payment detractor → critical, orders before support',
    input: {
      touchpoint: 'support_chat',
      channel: 'phone',
      rating: { type: 'nps', score: 0 },
      comment: 'Nobody answered my call about a refund',
      customer: consentEn,
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'payment-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'en chat CSAT 2 "card declined": payment CSAT rule; fewest open picks yamamoto',
    input: {
      touchpoint: 'support_chat',
      channel: 'chat',
      rating: { type: 'csat', score: 2 },
      comment: 'Agent could not help with my card declined issue',
    },
    at: 'WED',
    state: { open: { tanaka: 5, watanabe: 5, yamamoto: 4 } },
    sentiment: 'negative',
    category: 'payment',
    severity: 'critical',
    team: 'orders',
    routedBy: 'payment-to-orders',
    assignee: 'yamamoto',
  },
  // ---- account_creation ---------------------------------------------------------------------
  {
    name: 'ja thumbs down "ログインできない": critical, web round robin starts at sato',
    input: {
      touchpoint: 'account_creation',
      channel: 'web',
      rating: { type: 'thumbs', score: 0 },
      comment: 'ログインできない',
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'account',
    severity: 'critical',
    team: 'web',
    routedBy: 'account-creation-to-web',
    assignee: 'sato',
  },
  {
    name: 'en thumbs up on sign-up is counted only',
    input: {
      touchpoint: 'account_creation',
      channel: 'app',
      rating: { type: 'thumbs', score: 1 },
      comment: 'Sign up was quick',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'account',
    severity: 'routine',
    team: 'web',
    routedBy: 'account-creation-to-web',
    assignee: null,
  },
  {
    name: 'en CES 2 about a password mail: round robin moves from sato to suzuki',
    input: {
      touchpoint: 'account_creation',
      channel: 'web',
      rating: { type: 'ces', score: 2 },
      comment: 'Password reset email never came',
      customer: consentEn,
    },
    at: 'WED',
    state: { cursor: { lastMemberId: 'sato', seq: 3 } },
    sentiment: 'negative',
    category: 'account',
    severity: 'routine',
    team: 'web',
    routedBy: 'account-creation-to-web',
    assignee: 'suzuki',
  },
  {
    name: 'en CSAT 5 "cannot log in": the keyword makes it critical though the score is positive',
    input: {
      touchpoint: 'account_creation',
      channel: 'email',
      rating: { type: 'csat', score: 5 },
      comment: 'cannot log in after update',
    },
    at: 'FRI',
    sentiment: 'positive',
    category: 'account',
    severity: 'critical',
    team: 'web',
    routedBy: 'account-creation-to-web',
    assignee: 'sato',
  },
  {
    name: 'en CES 7 (very easy) is positive, counted only',
    input: {
      touchpoint: 'account_creation',
      channel: 'app',
      rating: { type: 'ces', score: 7 },
      comment: 'Very easy',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'web',
    routedBy: 'account-creation-to-web',
    assignee: null,
  },
  // ---- support_chat -------------------------------------------------------------------------
  {
    name: 'ja CSAT 3 chat is neutral, counted only',
    input: {
      touchpoint: 'support_chat',
      channel: 'chat',
      rating: { type: 'csat', score: 3 },
      comment: 'オペレーターの対応は普通でした',
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'support-chat-to-support',
    assignee: null,
  },
  {
    name: 'ja CSAT 1 slow chat reply: support desk calendar (Mon–Sat 09–21)',
    input: {
      touchpoint: 'support_chat',
      channel: 'chat',
      rating: { type: 'csat', score: 1 },
      comment: 'チャットの返信が遅すぎる',
      customer: consentJa,
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'support-chat-to-support',
    assignee: 'matsumoto',
  },
  {
    name: 'en CES 6 chat is positive, counted only',
    input: {
      touchpoint: 'support_chat',
      channel: 'chat',
      rating: { type: 'ces', score: 6 },
      comment: 'The agent solved it fast',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'support-chat-to-support',
    assignee: null,
  },
  {
    name: 'ja question with consent and the "other" reason opens a case on Saturday (desk is open)',
    input: {
      touchpoint: 'support_chat',
      channel: 'chat',
      comment: '質問があります',
      reasons: ['other'],
      customer: consentJa,
    },
    at: 'SAT',
    sentiment: 'neutral',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'support-chat-to-support',
    assignee: 'matsumoto',
  },
  {
    name: 'en CES 3 "hard to use" in the chat widget: usability rule wins over the support_chat rule',
    input: {
      touchpoint: 'support_chat',
      channel: 'app',
      rating: { type: 'ces', score: 3 },
      comment: 'Hard to use the chat widget',
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'usability',
    severity: 'routine',
    team: 'web',
    routedBy: 'usability-to-web',
    assignee: 'sato',
  },
  // ---- product_use --------------------------------------------------------------------------
  {
    name: 'ja NPS 6 "アプリが重い": usability; round robin wraps from takahashi to sato',
    input: {
      touchpoint: 'product_use',
      channel: 'app',
      rating: { type: 'nps', score: 6 },
      comment: 'アプリが重い',
    },
    at: 'WED',
    state: { cursor: { lastMemberId: 'takahashi', seq: 9 } },
    sentiment: 'negative',
    category: 'usability',
    severity: 'routine',
    team: 'web',
    routedBy: 'usability-to-web',
    assignee: 'sato',
  },
  {
    name: 'ja promoter with full-width ！１００ is counted only, falls back to support',
    input: {
      touchpoint: 'product_use',
      channel: 'web',
      rating: { type: 'nps', score: 10 },
      comment: '最高です！１００点',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'fallback',
    assignee: null,
  },
  {
    name: 'en CSAT 4 with consent about sizing: positive comment with consent still opens a case',
    input: {
      touchpoint: 'product_use',
      channel: 'app',
      rating: { type: 'csat', score: 4 },
      comment: 'Great product, but the size chart was confusing',
      customer: consentEn,
    },
    at: 'FRI',
    sentiment: 'positive',
    category: 'product_info',
    severity: 'routine',
    team: 'pricing',
    routedBy: 'product-info-to-pricing',
    assignee: 'nakamura',
  },
  {
    name: 'ja kiosk CES 4 with a product-info reason is neutral, counted only',
    input: {
      touchpoint: 'product_use',
      channel: 'kiosk',
      rating: { type: 'ces', score: 4 },
      reasons: ['insufficient_product_info'],
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'product_info',
    severity: 'routine',
    team: 'pricing',
    routedBy: 'product-info-to-pricing',
    assignee: null,
  },
  {
    name: 'full-width ＴＨＥ ＳＥＡＲＣＨ ＩＳ ＢＲＯＫＥＮ matches "search" (usability)',
    input: {
      touchpoint: 'product_use',
      channel: 'web',
      rating: { type: 'nps', score: 3 },
      comment: 'ＴＨＥ　ＳＥＡＲＣＨ　ＩＳ　ＢＲＯＫＥＮ',
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'usability',
    severity: 'routine',
    team: 'web',
    routedBy: 'usability-to-web',
    assignee: 'sato',
  },
  {
    name: 'ja CES 1 layout broken with the site_hard_to_use reason; round robin suzuki → takahashi',
    input: {
      touchpoint: 'product_use',
      channel: 'app',
      rating: { type: 'ces', score: 1 },
      comment: '画面の表示が崩れる',
      reasons: ['site_hard_to_use'],
    },
    at: 'WED',
    state: { cursor: { lastMemberId: 'suzuki', seq: 4 } },
    sentiment: 'negative',
    category: 'usability',
    severity: 'routine',
    team: 'web',
    routedBy: 'usability-to-web',
    assignee: 'takahashi',
  },
  {
    name: 'ja thumbs down with the login_problem reason: account category rule (not the touchpoint rule)',
    input: {
      touchpoint: 'product_use',
      channel: 'web',
      rating: { type: 'thumbs', score: 0 },
      reasons: ['login_problem'],
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'account',
    severity: 'routine',
    team: 'web',
    routedBy: 'account-to-web',
    assignee: 'sato',
  },
  {
    name: 'ja passive with half-width ｻｲｽﾞ: product_info, counted only',
    input: {
      touchpoint: 'product_use',
      channel: 'web',
      rating: { type: 'nps', score: 7 },
      comment: 'ｻｲｽﾞ表記が分かりにくい',
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'product_info',
    severity: 'routine',
    team: 'pricing',
    routedBy: 'product-info-to-pricing',
    assignee: null,
  },
  {
    name: 'en kiosk CSAT 3 without comment or reasons falls back to support, counted only',
    input: { touchpoint: 'product_use', channel: 'kiosk', rating: { type: 'csat', score: 3 } },
    at: 'WED',
    sentiment: 'neutral',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'fallback',
    assignee: null,
  },
  // ---- post_purchase ------------------------------------------------------------------------
  {
    name: 'ja detractor "価格が高い" by email: pricing team, round robin nakamura → kobayashi',
    input: {
      touchpoint: 'post_purchase',
      channel: 'email',
      rating: { type: 'nps', score: 2 },
      comment: '価格が高いです',
      reasons: ['price_too_high'],
    },
    at: 'WED',
    state: { cursor: { lastMemberId: 'nakamura', seq: 1 } },
    sentiment: 'negative',
    category: 'pricing',
    severity: 'routine',
    team: 'pricing',
    routedBy: 'pricing-to-pricing',
    assignee: 'kobayashi',
  },
  {
    name: 'en passive whose coupon did not apply (config reason coupon_not_applied → pricing)',
    input: {
      touchpoint: 'post_purchase',
      channel: 'web',
      rating: { type: 'nps', score: 7 },
      comment: 'Coupon did not apply',
      reasons: ['coupon_not_applied'],
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'pricing',
    severity: 'routine',
    team: 'pricing',
    routedBy: 'pricing-to-pricing',
    assignee: null,
  },
  {
    name: 'ja 返品 detractor: order category, the returns keyword rule routes to logistics',
    input: {
      touchpoint: 'post_purchase',
      channel: 'web',
      rating: { type: 'nps', score: 4 },
      comment: '返品したいのに手続きが分かりにくい',
      customer: consentJa,
    },
    at: 'WED',
    state: { open: { yoshida: 2, yamada: 2, sasaki: 1 } },
    sentiment: 'negative',
    category: 'order',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'returns-to-logistics',
    assignee: 'sasaki',
  },
  {
    name: 'en "exchange" by email on Saturday: logistics, routine counted from Tuesday',
    input: {
      touchpoint: 'post_purchase',
      channel: 'email',
      rating: { type: 'csat', score: 2 },
      comment: 'I want to exchange the item',
      customer: consentEn,
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'order',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'returns-to-logistics',
    assignee: 'yoshida',
  },
  {
    name: 'ja gift wrapping praise with consent: routed by the SKU context rule',
    input: {
      touchpoint: 'post_purchase',
      channel: 'app',
      rating: { type: 'nps', score: 9 },
      comment: 'ギフト包装がきれいでした',
      customer: consentJa,
      context: { sku: 'GIFT-WRAP-01', orderId: 'A-1001' },
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'gift-wrap-to-logistics',
    assignee: 'yoshida',
  },
  {
    name: 'en out-of-stock detractor on Saturday: order category rule',
    input: {
      touchpoint: 'post_purchase',
      channel: 'web',
      rating: { type: 'nps', score: 6 },
      comment: 'Out of stock again',
      reasons: ['out_of_stock'],
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'order',
    severity: 'routine',
    team: 'orders',
    routedBy: 'order-to-orders',
    assignee: 'tanaka',
  },
  {
    name: 'ja full-width spaces and digits, phone detractor: fallback to support, fewest open → hayashi',
    input: {
      touchpoint: 'post_purchase',
      channel: 'phone',
      rating: { type: 'nps', score: 0 },
      comment: '電話で　３回　問い合わせたが　返事なし',
      customer: consentJa,
    },
    at: 'FRI',
    state: { open: { matsumoto: 3, inoue: 1, kimura: 1, hayashi: 0 } },
    sentiment: 'negative',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'fallback',
    assignee: 'hayashi',
  },
  {
    name: 'ja CSAT 5 thanks with consent opens a case for the support team',
    input: {
      touchpoint: 'post_purchase',
      channel: 'web',
      rating: { type: 'csat', score: 5 },
      comment: 'ありがとうございました',
      customer: consentJa,
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'fallback',
    assignee: 'matsumoto',
  },
  // ---- delivery -----------------------------------------------------------------------------
  {
    name: 'ja CSAT 1 "届かない" with the shipping reason: delivery category rule',
    input: {
      touchpoint: 'delivery',
      channel: 'app',
      rating: { type: 'csat', score: 1 },
      comment: '荷物が届かない',
      reasons: ['shipping_problem'],
    },
    at: 'WED',
    sentiment: 'negative',
    category: 'delivery',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'delivery-to-logistics',
    assignee: 'yoshida',
  },
  {
    name: 'half-width ﾊﾟｯｹｰｼﾞ damaged by SMS: fewest open picks yamada',
    input: {
      touchpoint: 'delivery',
      channel: 'sms',
      rating: { type: 'nps', score: 1 },
      comment: 'ﾊﾟｯｹｰｼﾞが破損していた',
    },
    at: 'FRI',
    state: { open: { yoshida: 1 } },
    sentiment: 'negative',
    category: 'delivery',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'delivery-to-logistics',
    assignee: 'yamada',
  },
  {
    name: 'en thumbs up from a QR code: delivery touchpoint rule, counted only',
    input: {
      touchpoint: 'delivery',
      channel: 'qr',
      rating: { type: 'thumbs', score: 1 },
      comment: 'Arrived on time',
    },
    at: 'WED',
    sentiment: 'positive',
    category: 'other',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'delivery-touchpoint-to-logistics',
    assignee: null,
  },
  {
    name: 'en passive about a late delivery with consent opens a routine case',
    input: {
      touchpoint: 'delivery',
      channel: 'web',
      rating: { type: 'nps', score: 8 },
      comment: 'Delivery was late but the driver was kind',
      customer: consentEn,
    },
    at: 'WED',
    sentiment: 'neutral',
    category: 'delivery',
    severity: 'routine',
    team: 'logistics',
    routedBy: 'delivery-to-logistics',
    assignee: 'yoshida',
  },
  {
    name: 'ja late delivery that also mentions 二重請求: earliest keyword wins the category (delivery), critical',
    input: {
      touchpoint: 'delivery',
      channel: 'app',
      rating: { type: 'nps', score: 6 },
      comment: '配送が遅い。二重請求もされた',
      customer: consentJa,
    },
    at: 'SAT',
    sentiment: 'negative',
    category: 'delivery',
    severity: 'critical',
    team: 'logistics',
    routedBy: 'delivery-to-logistics',
    assignee: 'yoshida',
  },
  // ---- another site ---------------------------------------------------------------------------
  {
    name: 'en site, thumbs down in the chat on Friday evening: the support desk is open until 21:00 and on Saturday',
    input: {
      siteId: 'shop-en',
      touchpoint: 'support_chat',
      channel: 'chat',
      rating: { type: 'thumbs', score: 0 },
      comment: 'The bot kept looping',
      customer: consentEn,
    },
    at: 'FRI',
    sentiment: 'negative',
    category: 'other',
    severity: 'routine',
    team: 'support',
    routedBy: 'support-chat-to-support',
    assignee: 'matsumoto',
  },
];

const teamCalendar = (teamId: string) => (teamId === 'support' ? 'desk' : 'tokyo');

function feedbackOf(row: Row, i: number): Feedback {
  return {
    siteId: 'shop-jp',
    ...row.input,
    feedbackId: `fb_table_${i}`,
    receivedAt: RECEIVED[row.at],
    bodyHash: 'h',
  } as Feedback;
}

describe('triage of realistic feedback against the example config', () => {
  it('has at least 40 rows, covering every touchpoint, channel, rating type and both languages', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const seen = (f: (r: Row) => unknown) => new Set(rows.map(f));
    expect(seen((r) => r.input.touchpoint)).toEqual(
      new Set([
        'account_creation',
        'checkout_abandonment',
        'support_chat',
        'product_use',
        'post_purchase',
        'delivery',
      ]),
    );
    expect(seen((r) => r.input.channel)).toEqual(
      new Set(['web', 'app', 'email', 'chat', 'sms', 'kiosk', 'qr', 'phone']),
    );
    expect(seen((r) => r.input.rating?.type ?? 'none')).toEqual(
      new Set(['nps', 'csat', 'ces', 'thumbs', 'none']),
    );
    expect(seen((r) => r.team)).toEqual(new Set(config.teams.map((t) => t.id)));
  });

  it.each(rows.map((row, i) => [row.name, row, i] as const))('%s', async (_name, row, i) => {
    const store = new InMemoryTriage().add(feedbackOf(row, i));
    if (row.state) store.setState(row.team, row.state);

    const result = await triageFeedback(`fb_table_${i}`, {
      feedback: store,
      assignments: store,
      store,
      clock,
      config,
    });

    const marker = store.markers.get(`fb_table_${i}`);
    expect(marker).toMatchObject({
      sentiment: row.sentiment,
      category: row.category,
      severity: row.severity,
      teamId: row.team,
      routedBy: row.routedBy,
    });
    if (row.assignee === null) {
      expect(result).toEqual({ outcome: 'counted', feedbackId: `fb_table_${i}`, teamId: row.team });
      expect(store.cases.size).toBe(0);
      return;
    }
    const [acknowledgeBy, resolveBy] = DUE[teamCalendar(row.team)][row.at]![row.severity]!;
    expect(store.cases.get(caseIdFor(`fb_table_${i}`))).toMatchObject({
      status: 'open',
      sentiment: row.sentiment,
      category: row.category,
      severity: row.severity,
      teamId: row.team,
      routedBy: row.routedBy,
      assigneeId: row.assignee,
      acknowledgeBy,
      resolveBy,
    });
    expect(result).toMatchObject({ outcome: 'case_opened', assigneeId: row.assignee, teamId: row.team });
  });
});
