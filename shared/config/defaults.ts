/**
 * Defaults applied by `configSchema` when a config file leaves a field out.
 * A config value that is present replaces the default as a whole (maps and lists are not merged).
 */

/** Feedback items expire (DynamoDB TTL) after this many days. */
export const DEFAULT_RETENTION_DAYS = 730;
/** A closed case, with its timeline, is deleted this long after it last closed. */
export const DEFAULT_CLOSED_CASE_RETENTION_DAYS = 400;

/** Days between automatic rotations of the link secret (docs/operations.md#key-rotation). */
export const DEFAULT_LINK_SECRET_ROTATION_DAYS = 90;

/** Per-route API throttling: steady requests per second and burst. */
export const DEFAULT_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * Public intake limits (docs/threat-model.md): per client address on the public key, per site on the
 * server key, and confirmation emails per site. A confirmation goes to one normalized address at most
 * once per `confirmationIntervalHours`.
 */
export const DEFAULT_INTAKE = {
  perClientPerMinute: 30,
  serverPerSitePerMinute: 6_000,
  confirmationsPerSitePerHour: 200,
} as const;

/** Fraction of an SLA deadline after which a pre-breach warning is sent. */
export const DEFAULT_WARN_AT = 0.75;

export const DEFAULT_FOLLOW_UP = { delayDays: 7, closeUnansweredAfterDays: 7 } as const;

/** SLA attainment targets (shares, 0..1). */
export const DEFAULT_TARGETS = {
  acknowledgedWithin2h: 0.6,
  acknowledgedWithin6h: 0.85,
  closedWithin48h: 0.95,
  loopClosedWithin72h: 0.95,
} as const;

/** Cohort bounds in days as a customer (docs/trends.md#cohorts): new < 30, long-term > 365. */
export const DEFAULT_COHORTS = { newDays: 30, longTermDays: 365 } as const;

/** A resolved problem's before/after check (docs/design.md#did-the-fix-work). */
export const DEFAULT_PROBLEM_VERIFICATION = { afterDays: 14, windowWeeks: 2, reopenOn: [] } as const;

/** Which feedback opens a case. */
export const DEFAULT_CASE_POLICY = { negative: true, critical: true, commentWithConsent: true } as const;

/** Reason slug (from the client's reason picker) -> category. */
export const DEFAULT_CATEGORY_REASONS: Readonly<Record<string, string>> = {
  price_too_high: 'pricing',
  shipping_problem: 'delivery',
  payment_method_unavailable: 'payment',
  insufficient_product_info: 'product_info',
  site_hard_to_use: 'usability',
  other: 'other',
};

/**
 * Category -> keywords found in a comment (ja and en). Japanese terms are stems without
 * okurigana where possible (支払 matches 支払い / 支払う), English terms are lower case; the
 * classifier is expected to compare after NFKC normalisation and lower-casing, so full-width
 * and half-width forms of the same text match.
 */
export const DEFAULT_CATEGORY_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  payment: [
    '支払',
    '決済',
    'クレジットカード',
    'カード',
    '二重請求',
    '請求',
    '引き落とし',
    '返金',
    '代引',
    'コンビニ払',
    'payment',
    'pay',
    'credit card',
    'card declined',
    'charged twice',
    'billing',
    'refund',
  ],
  delivery: [
    '配送',
    '配達',
    '届かない',
    '届いていない',
    '届かず',
    '発送',
    '送料',
    '遅延',
    '追跡',
    '破損',
    '梱包',
    'delivery',
    'shipping',
    'shipment',
    'not arrived',
    "hasn't arrived",
    'never arrived',
    'late',
    'tracking',
    'damaged',
    'package',
  ],
  pricing: [
    '高い',
    '価格',
    '値段',
    '料金',
    '割高',
    '値上げ',
    '割引',
    'クーポン',
    'セール',
    'expensive',
    'price',
    'pricing',
    'too high',
    'overpriced',
    'discount',
    'coupon',
  ],
  product_info: [
    '説明',
    'サイズ',
    '詳細',
    '仕様',
    '素材',
    '寸法',
    '写真',
    '画像',
    '商品情報',
    'description',
    'size',
    'sizing',
    'details',
    'specification',
    'material',
    'dimensions',
    'photo',
    'picture',
  ],
  usability: [
    '使いにくい',
    '使いづらい',
    '分かりにくい',
    'わかりにくい',
    '見にくい',
    '操作',
    '画面',
    '表示',
    'エラー',
    '検索',
    '重い',
    'hard to use',
    'difficult',
    'confusing',
    'error',
    'slow',
    'navigation',
    'search',
    'button',
  ],
  account: [
    'ログイン',
    'パスワード',
    'アカウント',
    '会員登録',
    '登録',
    'メールアドレス',
    '認証',
    '退会',
    'login',
    'log in',
    'sign in',
    'password',
    'account',
    'sign up',
    'register',
    'verification',
  ],
  order: [
    '注文',
    'キャンセル',
    '購入',
    'カート',
    '在庫',
    '返品',
    '交換',
    'order',
    'cancel',
    'cancellation',
    'checkout',
    'cart',
    'purchase',
    'out of stock',
    'return',
    'exchange',
  ],
};

/** A comment containing any of these makes the feedback critical. */
export const DEFAULT_SEVERITY_KEYWORDS: readonly string[] = [
  '二重請求',
  'charged twice',
  '注文できない',
  'cannot order',
  'ログインできない',
  'cannot log in',
];

/** The journey events `POST /v1/events` knows out of the box (`invitations.eventTypes` extends them). */
export const JOURNEY_EVENT_TYPES = [
  'account_created',
  'purchase_completed',
  'order_delivered',
  'support_chat_closed',
  'subscription_cancelled',
] as const;

/** An invitation's reminder and expiry when its rule names none. */
export const DEFAULT_INVITATION_TIMING = { reminderAfterDays: 3, expiresAfterDays: 14 } as const;

/** Contact limits per customer (Delighted's and Wootric's defaults). */
export const DEFAULT_CONTACT_LIMITS = {
  quietDaysAfterAnswer: 90,
  quietDaysAfterIgnored: 30,
  maxInvitationsPer30Days: 2,
} as const;
