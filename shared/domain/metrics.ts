/**
 * Weekly response tallies (docs/design.md#triage, "Counters"): what one triaged feedback adds
 * to the counters of each dimension it belongs to. Pure: the caller writes the increments (DynamoDB `ADD`).
 */
import type { NpsBucket, Rating, Sentiment } from './classify.ts';

export const metricDimensions = ['touchpoint', 'channel', 'team', 'reason'] as const;
export type MetricDimension = (typeof metricDimensions)[number];

/** What a trend series groups by: the metrics' dimensions, the customer's cohort, or nothing (one series, `all`). */
export const trendGroups = ['touchpoint', 'team', 'channel', 'reason', 'cohort', 'none'] as const;
export type TrendGroup = (typeof trendGroups)[number];
/** The one key of `groupBy=none`. */
export const ALL_KEY = 'all';

/** At most this many reasons of one feedback are counted (the public contract allows 10). */
export const MAX_COUNTED_REASONS = 10;

/**
 * Every tally a counter item holds. All are written on every increment (zeros included), so a
 * reader finds the same attributes on every item.
 */
export interface Tallies {
  responses: number;
  npsCount: number;
  npsPromoters: number;
  npsPassives: number;
  npsDetractors: number;
  /** Sum of NPS scores (0–10), for the mean rating across scales (`avgRating` in the trends). */
  npsSum: number;
  csatCount: number;
  /** CSAT 4–5. */
  csatSatisfied: number;
  csatSum: number;
  cesCount: number;
  cesSum: number;
  thumbsCount: number;
  thumbsUp: number;
  /** Feedback whose sentiment is negative (with or without a rating). */
  negative: number;
  /** Feedback that opened a case. */
  cases: number;
  /** Answers to the widget's prompt (the public site key, not a QR poster): what `prompted` is compared with. */
  promptAnswered: number;
  /** Cancellations: feedback on the `cancellation` touchpoint, a journey's `subscription_cancelled` included. */
  churned: number;
}

export const tallyNames = [
  'responses',
  'npsCount',
  'npsPromoters',
  'npsPassives',
  'npsDetractors',
  'npsSum',
  'csatCount',
  'csatSatisfied',
  'csatSum',
  'cesCount',
  'cesSum',
  'thumbsCount',
  'thumbsUp',
  'negative',
  'cases',
  'promptAnswered',
  'churned',
] as const satisfies readonly (keyof Tallies)[];

/**
 * The touchpoint of a cancellation: feedback on it counts as churn (`churned`), and a journey's
 * `subscription_cancelled` event becomes such a feedback (core/invitations).
 */
export const CANCELLATION_TOUCHPOINT = 'cancellation';

/**
 * Whether a feedback is a cancellation: on the `cancellation` touchpoint, and not the answer to a
 * survey invitation (the cancellation event that invited it was counted already).
 */
export const isChurn = (fb: { touchpoint: string; context?: Record<string, unknown> }) =>
  fb.touchpoint === CANCELLATION_TOUCHPOINT && fb.context?.invitationId === undefined;

/**
 * What one feedback adds. A feedback that says nothing (no rating, comment or reasons: only a
 * cancellation event without reasons) counts as churn but not as a response.
 */
export function talliesOf(fb: {
  /** It is a cancellation (`isChurn`). */
  churn?: boolean;
  /** Whether it carries a rating, a comment or reasons (default true, as every posted feedback). */
  says?: boolean;
  rating?: Rating;
  npsBucket: NpsBucket | undefined;
  sentiment: Sentiment;
  opensCase: boolean;
  /** It came through the widget: the site key, on a channel other than a printed QR code. */
  fromPrompt?: boolean;
}): Tallies {
  const r = fb.rating;
  const is = (type: Rating['type']) => (r?.type === type ? 1 : 0);
  return {
    responses: fb.says === false ? 0 : 1,
    npsCount: fb.npsBucket === undefined ? 0 : 1,
    npsPromoters: fb.npsBucket === 'promoter' ? 1 : 0,
    npsPassives: fb.npsBucket === 'passive' ? 1 : 0,
    npsDetractors: fb.npsBucket === 'detractor' ? 1 : 0,
    npsSum: r?.type === 'nps' ? r.score : 0,
    csatCount: is('csat'),
    csatSatisfied: r?.type === 'csat' && r.score >= 4 ? 1 : 0,
    csatSum: r?.type === 'csat' ? r.score : 0,
    cesCount: is('ces'),
    cesSum: r?.type === 'ces' ? r.score : 0,
    thumbsCount: is('thumbs'),
    thumbsUp: r?.type === 'thumbs' && r.score === 1 ? 1 : 0,
    negative: fb.sentiment === 'negative' ? 1 : 0,
    cases: fb.opensCase ? 1 : 0,
    promptAnswered: fb.fromPrompt ? 1 : 0,
    churned: fb.churn ? 1 : 0,
  };
}

/**
 * How the counters are stored: touchpoint, channel and routed team together on one item per
 * combination (`combined`), so one feedback or case event writes one item for all three rather
 * than three (docs/design.md#counters-at-scale); reasons, of which a feedback has several, on one
 * item each; the customer's cohort (shared/domain/cohort.ts) on one more.
 */
export type CounterDimension = 'combined' | 'reason' | 'ask' | 'cohort';
export const combinedDimensions = ['touchpoint', 'channel', 'team'] as const;
type CombinedDimension = (typeof combinedDimensions)[number];

/** `<touchpoint>|<channel>|<team>`: slugs and ids never hold `|`. */
export const combinedKey = (parts: Record<CombinedDimension, string>) =>
  combinedDimensions.map((d) => parts[d]).join('|');

/** One dimension's key out of a combined key. */
export const combinedKeyPart = (key: string, dimension: CombinedDimension) =>
  key.split('|')[combinedDimensions.indexOf(dimension)] ?? '';

export interface MetricTarget {
  dimension: CounterDimension;
  key: string;
}

/**
 * The counters one feedback increments: the item of its touchpoint, channel and routed team, one
 * per distinct reason (the first `MAX_COUNTED_REASONS`) and the item of its customer's cohort. A
 * feedback without reasons has no reason counter; one counted before cohorts (a case opened
 * then, acknowledged now) has no cohort counter.
 */
export function metricTargetsOf(fb: {
  touchpoint: string;
  channel: string;
  teamId: string;
  reasons?: readonly string[];
  cohort?: string;
}): MetricTarget[] {
  const reasons = [...new Set(fb.reasons ?? [])].slice(0, MAX_COUNTED_REASONS);
  return [
    {
      dimension: 'combined',
      key: combinedKey({ touchpoint: fb.touchpoint, channel: fb.channel, team: fb.teamId }),
    },
    ...reasons.map((key) => ({ dimension: 'reason' as const, key })),
    ...(fb.cohort ? [{ dimension: 'cohort' as const, key: fb.cohort }] : []),
  ];
}
