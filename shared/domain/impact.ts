/**
 * Did the fix work? (docs/design.md#did-the-fix-work): the negative share of a problem's
 * touchpoints in equal windows before and after its resolution, compared with a two-proportion
 * z-test. Pure: no AWS imports.
 */
import type { ImpactVerdict } from './problem.ts';

/** Two-sided significance the verdict asks for. */
export const IMPACT_ALPHA = 0.05;

export interface WindowTally {
  /** Responses in the window. */
  n: number;
  /** Of them, negative. */
  negative: number;
  npsCount: number;
  npsPromoters: number;
  npsDetractors: number;
}

export interface WindowFigures {
  n: number;
  negativeShare: number | null;
  nps: number | null;
}

export const figuresOf = (t: WindowTally): WindowFigures => ({
  n: t.n,
  negativeShare: t.n > 0 ? round(t.negative / t.n, 4) : null,
  nps: t.npsCount > 0 ? round(((t.npsPromoters - t.npsDetractors) / t.npsCount) * 100, 1) : null,
});

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The standard normal CDF through erf (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7:
 * far finer than any decision at α = 0.05 needs).
 */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * The pooled two-proportion z-test of `before` against `after` (negative / n): the two-sided p-value,
 * or null when a window is empty or every answer on both sides was alike (no variance to test).
 */
export function twoProportionPValue(before: WindowTally, after: WindowTally): number | null {
  if (before.n === 0 || after.n === 0) return null;
  const pooled = (before.negative + after.negative) / (before.n + after.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / before.n + 1 / after.n));
  if (se === 0) return null;
  const z = (after.negative / after.n - before.negative / before.n) / se;
  return round(2 * (1 - normalCdf(Math.abs(z))), 6);
}

/**
 * `too_early` until the after window has closed; then `improved` / `worse` when the negative share
 * fell / rose significantly, else `no_change` (which includes too few answers to tell).
 */
export function verdictOf(before: WindowTally, after: WindowTally, afterClosed: boolean) {
  const pValue = twoProportionPValue(before, after);
  const change =
    before.n > 0 && after.n > 0 ? round(after.negative / after.n - before.negative / before.n, 4) : null;
  let verdict: ImpactVerdict;
  if (!afterClosed) verdict = 'too_early';
  else if (pValue === null || pValue >= IMPACT_ALPHA || change === null || change === 0)
    verdict = 'no_change';
  else verdict = change < 0 ? 'improved' : 'worse';
  return { verdict, change, pValue };
}
