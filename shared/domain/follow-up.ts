/**
 * The follow-up survey's answers (docs/design.md#the-loop, step 7): a good answer closes the
 * case, a bad one reopens it. Answers are `good` / `bad`, or 1–5 where 1–2 are negative (as negative CSAT in the
 * case policy) and 3–5 mean the fix held.
 */
export type Verdict = 'good' | 'bad';

export function ratingVerdict(value: string): Verdict | undefined {
  if (value === 'good') return 'good';
  if (value === 'bad') return 'bad';
  if (!/^[1-5]$/.test(value)) return undefined;
  return Number(value) <= 2 ? 'bad' : 'good';
}
