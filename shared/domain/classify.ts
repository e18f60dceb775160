/**
 * Pure triage classification of one feedback: sentiment, NPS bucket, category, severity,
 * routing and whether a case opens. No I/O; config slices come in as arguments and are typed
 * structurally so the validated config object fits them.
 */
import type { RatingType, Severity } from '../config/schema.ts';
import { keywordIndex, normalizeText } from './normalize.ts';

// One declaration each, in the config's vocabulary; re-exported for the domain's callers.
export type { RatingType, Severity };

export interface Rating {
  readonly type: RatingType;
  readonly score: number;
}

export type Sentiment = 'negative' | 'neutral' | 'positive';
export type NpsBucket = 'detractor' | 'passive' | 'promoter';
export type ContextValue = string | number | boolean;

export interface FeedbackForTriage {
  readonly siteId: string;
  readonly touchpoint: string;
  readonly channel: string;
  readonly rating?: Rating;
  readonly comment?: string;
  readonly reasons?: readonly string[];
  readonly customer?: {
    readonly email?: string;
    readonly name?: string;
    readonly locale?: string;
    readonly contactConsent?: boolean;
  };
  readonly context?: Readonly<Record<string, ContextValue>>;
}

/**
 * A rule condition (`<Match>` of the config). Every present field must hold; an empty match
 * matches everything. A present but empty list matches nothing.
 */
export interface Match {
  readonly touchpoints?: readonly string[];
  readonly channels?: readonly string[];
  readonly categories?: readonly string[];
  /** Any overlap with the feedback's reasons. */
  readonly reasons?: readonly string[];
  /** Any keyword occurs in the normalised comment. */
  readonly keywords?: readonly string[];
  /** Same rating type and `min <= score <= max` (a missing bound is open). */
  readonly score?: { readonly type: RatingType; readonly min?: number; readonly max?: number };
  /** Context field → allowed values (compared as strings); every listed field must match. */
  readonly context?: Readonly<Record<string, readonly ContextValue[]>>;
  /** Routing only: the severity already decided. */
  readonly severities?: readonly Severity[];
}

/** What a `Match` is evaluated against. */
export interface MatchFacts {
  readonly touchpoint: string;
  readonly channel: string;
  readonly category: string;
  readonly reasons: readonly string[];
  readonly rating?: Rating;
  /** `normalizeText(comment)`, '' when there is no comment. */
  readonly normalizedComment: string;
  readonly context: Readonly<Record<string, ContextValue>>;
  readonly severity?: Severity;
}

export interface CategoryDictionary {
  /** Reason slug → category. */
  readonly reasons: Readonly<Record<string, string>>;
  /** Category → keywords (ja / en), scanned in this order. */
  readonly keywords: Readonly<Record<string, readonly string[]>>;
}

export interface SeverityConfig {
  /** Any of these in the comment makes the feedback critical. */
  readonly keywords: readonly string[];
  readonly rules: readonly { readonly id: string; readonly match: Match }[];
}

export interface RoutingConfig {
  readonly rules: readonly { readonly id: string; readonly teamId: string; readonly match: Match }[];
  readonly fallbackTeamId: string;
}

export interface CasePolicy {
  /** Open a case for negative sentiment (NPS detractors, CSAT 1–2, CES 1–3, thumbs down). */
  readonly negative: boolean;
  /** Open a case for every critical feedback. */
  readonly critical: boolean;
  /** Open a case for any non-blank comment whose author consented to be contacted. */
  readonly commentWithConsent: boolean;
}

/** The slice of the Closeloop config that triage classification needs. */
export interface TriageConfig {
  readonly categories: CategoryDictionary;
  readonly severity: SeverityConfig;
  readonly routing: RoutingConfig;
  readonly casePolicy: CasePolicy;
}

export interface Classification {
  /** undefined when the feedback has no (valid) rating. */
  readonly sentiment: Sentiment | undefined;
  /** undefined unless the rating is NPS. */
  readonly npsBucket: NpsBucket | undefined;
  readonly category: string;
  readonly severity: Severity;
  /** What made it critical: a severity rule id or `keyword:<keyword>`; undefined when routine. */
  readonly severityRule: string | undefined;
  readonly teamId: string;
  /** The routing rule id, or 'fallback'. */
  readonly routedBy: string;
  readonly opensCase: boolean;
}

export const OTHER_CATEGORY = 'other';
export const FALLBACK_ROUTE = 'fallback';

function inRange(score: number, min: number, max: number): boolean {
  return Number.isInteger(score) && score >= min && score <= max;
}

/**
 * Sentiment bucket of a rating. The convention:
 *
 * | scale  | range | negative | neutral | positive |
 * |--------|-------|----------|---------|----------|
 * | NPS    | 0–10  | 0–6 (detractors) | 7–8 (passives) | 9–10 (promoters) |
 * | CSAT   | 1–5   | 1–2      | 3       | 4–5      |
 * | CES    | 1–7   | 1–3      | 4       | 5–7      |
 * | thumbs | 0–1   | 0 (down) | –       | 1 (up)   |
 *
 * CES is the 7-point agreement scale "The company made it easy for me to handle my issue"
 * (1 = strongly disagree, i.e. hard; 7 = strongly agree, i.e. easy), so low is negative.
 * No rating, or a score that is not an integer in the scale's range, gives `undefined`.
 */
export function sentimentOf(rating?: Rating): Sentiment | undefined {
  if (rating === undefined) return undefined;
  const s = rating.score;
  switch (rating.type) {
    case 'nps':
      if (!inRange(s, 0, 10)) return undefined;
      return s <= 6 ? 'negative' : s <= 8 ? 'neutral' : 'positive';
    case 'csat':
      if (!inRange(s, 1, 5)) return undefined;
      return s <= 2 ? 'negative' : s === 3 ? 'neutral' : 'positive';
    case 'ces':
      if (!inRange(s, 1, 7)) return undefined;
      return s <= 3 ? 'negative' : s === 4 ? 'neutral' : 'positive';
    case 'thumbs':
      if (!inRange(s, 0, 1)) return undefined;
      return s === 0 ? 'negative' : 'positive';
    default:
      return undefined;
  }
}

/** NPS bucket: 0–6 detractor, 7–8 passive, 9–10 promoter; undefined for other scales. */
export function npsBucket(rating?: Rating): NpsBucket | undefined {
  if (rating?.type !== 'nps' || !inRange(rating.score, 0, 10)) return undefined;
  return rating.score <= 6 ? 'detractor' : rating.score <= 8 ? 'passive' : 'promoter';
}

function categoryFrom(
  reasons: readonly string[],
  normalizedComment: string,
  dict: CategoryDictionary,
): string {
  for (const r of reasons) {
    const c = Object.hasOwn(dict.reasons, r) ? dict.reasons[r] : undefined;
    if (c !== undefined && c !== OTHER_CATEGORY) return c;
  }
  let best: string | undefined;
  let bestAt = Number.POSITIVE_INFINITY;
  if (normalizedComment !== '') {
    for (const [category, keywords] of Object.entries(dict.keywords)) {
      for (const kw of keywords) {
        const at = keywordIndex(normalizedComment, kw);
        if (at >= 0 && at < bestAt) {
          best = category;
          bestAt = at;
        }
      }
    }
  }
  return best ?? OTHER_CATEGORY;
}

/**
 * Category of a feedback:
 * 1. the first reason (in the feedback's order) that the dictionary maps to a category other
 *    than 'other';
 * 2. else the keyword category whose keyword occurs earliest in the normalised comment
 *    (ties go to the category listed first in the dictionary);
 * 3. else 'other' (including when the only mapped reasons map to 'other').
 */
export function categoryOf(fb: FeedbackForTriage, dict: CategoryDictionary): string {
  return categoryFrom(fb.reasons ?? [], normalizeText(fb.comment ?? ''), dict);
}

/** The facts rules are matched against (severity is added once decided, for routing). */
export function factsOf(fb: FeedbackForTriage, category: string, severity?: Severity): MatchFacts {
  return {
    touchpoint: fb.touchpoint,
    channel: fb.channel,
    category,
    reasons: fb.reasons ?? [],
    ...(fb.rating === undefined ? {} : { rating: fb.rating }),
    normalizedComment: normalizeText(fb.comment ?? ''),
    context: fb.context ?? {},
    ...(severity === undefined ? {} : { severity }),
  };
}

/** Whether every present field of `match` holds for `facts` (see `Match`). */
export function matches(match: Match, facts: MatchFacts): boolean {
  if (match.touchpoints !== undefined && !match.touchpoints.includes(facts.touchpoint)) return false;
  if (match.channels !== undefined && !match.channels.includes(facts.channel)) return false;
  if (match.categories !== undefined && !match.categories.includes(facts.category)) return false;
  if (match.reasons !== undefined && !match.reasons.some((r) => facts.reasons.includes(r))) return false;
  if (
    match.keywords !== undefined &&
    !match.keywords.some((kw) => keywordIndex(facts.normalizedComment, kw) >= 0)
  ) {
    return false;
  }
  if (match.score !== undefined) {
    const r = facts.rating;
    if (r === undefined || r.type !== match.score.type) return false;
    if (match.score.min !== undefined && r.score < match.score.min) return false;
    if (match.score.max !== undefined && r.score > match.score.max) return false;
  }
  if (match.context !== undefined) {
    for (const [field, allowed] of Object.entries(match.context)) {
      if (!Object.hasOwn(facts.context, field)) return false;
      const value = String(facts.context[field]);
      if (!allowed.some((a) => String(a) === value)) return false;
    }
  }
  if (match.severities !== undefined) {
    if (facts.severity === undefined || !match.severities.includes(facts.severity)) return false;
  }
  return true;
}

/**
 * Critical when a severity keyword (config order) occurs in the normalised comment
 * (`ruleId: 'keyword:<keyword as configured>'`), else when a severity rule matches (first
 * matching rule id), else routine. `facts` carry everything derived from `fb`.
 */
export function severityOf(
  _fb: FeedbackForTriage,
  facts: MatchFacts,
  severity: SeverityConfig,
): { severity: Severity; ruleId?: string } {
  for (const kw of severity.keywords) {
    if (keywordIndex(facts.normalizedComment, kw) >= 0)
      return { severity: 'critical', ruleId: `keyword:${kw}` };
  }
  for (const rule of severity.rules) {
    if (matches(rule.match, facts)) return { severity: 'critical', ruleId: rule.id };
  }
  return { severity: 'routine' };
}

/** First matching routing rule wins (`routedBy` = its id); else the fallback team. */
export function routeOf(facts: MatchFacts, routing: RoutingConfig): { teamId: string; routedBy: string } {
  for (const rule of routing.rules) {
    if (matches(rule.match, facts)) return { teamId: rule.teamId, routedBy: rule.id };
  }
  return { teamId: routing.fallbackTeamId, routedBy: FALLBACK_ROUTE };
}

/**
 * Whether a case opens: negative sentiment (if `policy.negative`), critical severity (if
 * `policy.critical`), or a non-blank comment with `customer.contactConsent === true` (if
 * `policy.commentWithConsent`). Any one suffices.
 */
export function opensCase(
  fb: FeedbackForTriage,
  sentiment: Sentiment | undefined,
  severity: Severity,
  policy: CasePolicy,
): boolean {
  if (policy.negative && sentiment === 'negative') return true;
  if (policy.critical && severity === 'critical') return true;
  if (policy.commentWithConsent && fb.customer?.contactConsent === true && (fb.comment ?? '').trim() !== '') {
    return true;
  }
  return false;
}

/** Everything triage decides about a feedback, in one call. */
export function classify(fb: FeedbackForTriage, config: TriageConfig): Classification {
  const sentiment = sentimentOf(fb.rating);
  const baseFacts = factsOf(fb, OTHER_CATEGORY);
  const category = categoryFrom(baseFacts.reasons, baseFacts.normalizedComment, config.categories);
  const facts: MatchFacts = { ...baseFacts, category };
  const sev = severityOf(fb, facts, config.severity);
  const route = routeOf({ ...facts, severity: sev.severity }, config.routing);
  return {
    sentiment,
    npsBucket: npsBucket(fb.rating),
    category,
    severity: sev.severity,
    severityRule: sev.ruleId,
    teamId: route.teamId,
    routedBy: route.routedBy,
    opensCase: opensCase(fb, sentiment, sev.severity, config.casePolicy),
  };
}

/**
 * Sentiment of a feedback for its case and the metrics: the rating's bucket (`sentimentOf`);
 * without a (valid) rating, 'negative' when the comment contains a severity keyword (the
 * classification's `severityRule` is then `keyword:…`), else 'neutral'. A comment alone is never
 * judged positive: without a score there is no evidence for it.
 */
export function effectiveSentiment(cls: Pick<Classification, 'sentiment' | 'severityRule'>): Sentiment {
  if (cls.sentiment !== undefined) return cls.sentiment;
  return cls.severityRule?.startsWith('keyword:') ? 'negative' : 'neutral';
}
