/**
 * Weekly response tallies (docs/design.md#triage, "Counters"): what one triaged feedback adds
 * to the counters of each dimension it belongs to. Pure: the caller writes the increments (DynamoDB `ADD`).
 */
import type { NpsBucket, Rating, Sentiment } from './classify.ts';

export const metricDimensions = ['touchpoint', 'channel', 'team', 'reason'] as const;
export type MetricDimension = (typeof metricDimensions)[number];

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
}

export const tallyNames = [
  'responses',
  'npsCount',
  'npsPromoters',
  'npsPassives',
  'npsDetractors',
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
] as const satisfies readonly (keyof Tallies)[];

/** What one feedback adds. */
export function talliesOf(fb: {
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
    responses: 1,
    npsCount: fb.npsBucket === undefined ? 0 : 1,
    npsPromoters: fb.npsBucket === 'promoter' ? 1 : 0,
    npsPassives: fb.npsBucket === 'passive' ? 1 : 0,
    npsDetractors: fb.npsBucket === 'detractor' ? 1 : 0,
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
  };
}

/**
 * How the counters are stored: touchpoint, channel and routed team together on one item per
 * combination (`combined`), so one feedback or case event writes one item for all three rather
 * than three (docs/design.md#counters-at-scale); reasons, of which a feedback has several, on one
 * item each.
 */
export type CounterDimension = 'combined' | 'reason' | 'ask';
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
 * The counters one feedback increments: the item of its touchpoint, channel and routed team, and
 * one per distinct reason (the first `MAX_COUNTED_REASONS`). A feedback without reasons has no
 * reason counter.
 */
export function metricTargetsOf(fb: {
  touchpoint: string;
  channel: string;
  teamId: string;
  reasons?: readonly string[];
}): MetricTarget[] {
  const reasons = [...new Set(fb.reasons ?? [])].slice(0, MAX_COUNTED_REASONS);
  return [
    {
      dimension: 'combined',
      key: combinedKey({ touchpoint: fb.touchpoint, channel: fb.channel, team: fb.teamId }),
    },
    ...reasons.map((key) => ({ dimension: 'reason' as const, key })),
  ];
}
