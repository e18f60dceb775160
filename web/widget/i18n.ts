/** The widget's words, in the two languages the service speaks. DOM-free. */
export type Locale = 'ja' | 'en';
export type Scale = 'nps' | 'csat';

export interface Texts {
  question: Record<Scale, string>;
  /** The scale's two ends, shown under the options (the options' names are the bare numbers). */
  low: Record<Scale, string>;
  high: Record<Scale, string>;
  reasonsLegend: string;
  reasons: Record<ReasonId, string>;
  comment: string;
  consent: string;
  send: string;
  close: string;
  thanks: string;
  queued: string;
  /** The bot check gave no token (blocked, timed out, failed): kept and sent once it passes. */
  unverified: string;
  failed: string;
  empty: string;
  /** Before the title of an open public problem on this touchpoint (its link to the known-issues page). */
  known: string;
}

/** The checkout-abandonment reasons, by the ids the contract and the config's `categories.reasons` use. */
export const reasonIds = [
  'price_too_high',
  'shipping_problem',
  'payment_method_unavailable',
  'insufficient_product_info',
  'site_hard_to_use',
  'other',
] as const;
export type ReasonId = (typeof reasonIds)[number];

export const texts: Record<Locale, Texts> = {
  en: {
    question: {
      nps: 'How likely are you to recommend us to a friend or colleague?',
      csat: 'How satisfied are you with your experience today?',
    },
    low: { nps: '0 = not at all likely', csat: '1 = very dissatisfied' },
    high: { nps: '10 = extremely likely', csat: '5 = very satisfied' },
    reasonsLegend: 'What stopped you from completing your order? (optional)',
    reasons: {
      price_too_high: 'Price too high',
      shipping_problem: 'Shipping problem',
      payment_method_unavailable: 'Payment method unavailable',
      insufficient_product_info: 'Not enough product information',
      site_hard_to_use: 'Site hard to use',
      other: 'Other',
    },
    comment: 'Comment (optional)',
    consent: 'You may contact me by email about my answer',
    send: 'Send',
    close: 'Close',
    thanks: 'Thank you for your feedback.',
    queued: 'Thank you. You seem to be offline: your answer will be sent as soon as you are back online.',
    unverified:
      'Thank you. We could not complete the security check just now: your answer is kept and will be sent when it passes. Please try again later.',
    failed: 'Sorry, your answer could not be sent.',
    empty: 'Please choose a score, tick a reason or write a comment.',
    known: 'We know about this: ',
  },
  ja: {
    question: {
      nps: '当店を友人や同僚にすすめる可能性はどのくらいありますか？',
      csat: '今回のご利用にどの程度満足されましたか？',
    },
    low: { nps: '0 = まったくすすめない', csat: '1 = 非常に不満' },
    high: { nps: '10 = ぜひすすめたい', csat: '5 = 非常に満足' },
    reasonsLegend: 'ご購入をやめた理由をお聞かせください（任意・複数可）',
    reasons: {
      price_too_high: '価格が高い',
      shipping_problem: '配送に問題がある',
      payment_method_unavailable: '希望の支払い方法がない',
      insufficient_product_info: '商品情報が足りない',
      site_hard_to_use: 'サイトが使いにくい',
      other: 'その他',
    },
    comment: 'コメント（任意）',
    consent: 'この回答についてメールで連絡を受け取る',
    send: '送信',
    close: '閉じる',
    thanks: 'ご意見ありがとうございました。',
    queued: 'ありがとうございました。現在オフラインのため、接続が戻りしだい送信します。',
    unverified:
      'ありがとうございました。ただいまセキュリティ確認を完了できませんでした。ご回答は保存し、確認が済みしだい送信します。しばらくしてからもう一度お試しください。',
    failed: '申し訳ありません。回答を送信できませんでした。',
    empty: '点数を選ぶか、理由を選ぶか、コメントをご記入ください。',
    known: 'この問題は把握しています: ',
  },
};

/** `ja`/`en` from an explicit setting, else from the browser's language; English otherwise. */
export function resolveLocale(explicit: string | null | undefined, browserLanguage?: string): Locale {
  for (const tag of [explicit, browserLanguage]) {
    const primary = (tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return 'en';
}
