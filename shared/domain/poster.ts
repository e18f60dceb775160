/**
 * A poster: the reusable, non-personal survey code of one site's touchpoint, for a counter or a
 * printed sign (docs/survey.md). Its address `/s/p_<posterId>` names nobody and
 * is not signed: a poster lives for years, longer than any link secret, so the id itself is the only
 * secret (128 random bits) and the answers are anonymous, rate-limited like the widget's.
 */
import type { SurveySpec } from './invitation.ts';

export interface Poster {
  posterId: string;
  siteId: string;
  touchpoint: string;
  /** Fixed when the poster is made, so every answer to one printed code asks the same question. */
  survey: SurveySpec;
  createdAt: string;
  createdBy: string;
}

/** A poster token on `/s/{token}`: `p_` and 22 base64url characters (128 bits). */
export const POSTER_TOKEN_PREFIX = 'p_';
const POSTER_ID = /^[A-Za-z0-9_-]{22}$/;

export const isPosterId = (id: string) => POSTER_ID.test(id);

/** The poster id in a `/s/{token}` token, or undefined when the token is not a poster's. */
export function posterIdOfToken(token: string): string | undefined {
  if (!token.startsWith(POSTER_TOKEN_PREFIX)) return undefined;
  const id = token.slice(POSTER_TOKEN_PREFIX.length);
  return isPosterId(id) ? id : undefined;
}

export const posterTokenOf = (posterId: string) => `${POSTER_TOKEN_PREFIX}${posterId}`;

/** 16 random bytes as a poster id; the caller brings the randomness (the domain has none). */
export const posterIdFrom = (random16: Uint8Array) => Buffer.from(random16).toString('base64url');

/** The survey a touchpoint's poster asks: the first invitation rule's for it, else NPS with a comment. */
export function posterSurveyOf(
  rules: readonly { touchpoint: string; survey: SurveySpec }[],
  touchpoint: string,
): SurveySpec {
  const rule = rules.find((r) => r.touchpoint === touchpoint);
  return rule
    ? { type: rule.survey.type, reasons: [...rule.survey.reasons], comment: rule.survey.comment }
    : { type: 'nps', reasons: [], comment: true };
}

export interface PosterStore {
  get(posterId: string): Promise<Poster | undefined>;
  /**
   * The site's poster for the touchpoint: the one made before if there is one (a reprint is the same
   * code), else `candidate`, stored.
   */
  getOrCreate(candidate: Poster): Promise<Poster>;
}
