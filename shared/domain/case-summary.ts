/**
 * What the queue shows of a case without reading its feedback: the comment's first line, the
 * rating and who wrote in. Copied onto the case at triage (one read per queue page, not one per
 * row); erasure scrubs it with the rest of the customer's data (core/cases/erasure.ts).
 */
import type { Feedback, Rating } from './feedback.ts';

export interface CaseSummary {
  /** The comment's first non-empty line, at most `excerptLength` characters. */
  excerpt?: string;
  rating?: Rating;
  /** The customer's name, else their address masked (`h•••@example.jp`). */
  customer?: string;
}

export const excerptLength = 120;

/** Keeps the first character and the domain: enough to tell two customers apart, not to write to one. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${[...email.slice(0, at)][0]}•••${email.slice(at)}`;
}

function firstLine(comment: string | undefined): string | undefined {
  const line = comment
    ?.split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (line === undefined) return undefined;
  const chars = [...line];
  return chars.length <= excerptLength ? line : `${chars.slice(0, excerptLength - 1).join('')}…`;
}

export function caseSummaryOf(fb: Pick<Feedback, 'comment' | 'rating' | 'customer'>): CaseSummary {
  const excerpt = firstLine(fb.comment);
  const name = fb.customer?.name?.trim();
  const customer = name || (fb.customer?.email ? maskAddress(fb.customer.email) : undefined);
  return {
    ...(excerpt ? { excerpt } : {}),
    ...(fb.rating ? { rating: fb.rating } : {}),
    ...(customer ? { customer } : {}),
  };
}

/** After erasure: the rating stays (it names no one), the words and the person go. */
export const erasedSummary = (s: CaseSummary | undefined): CaseSummary =>
  s?.rating ? { rating: s.rating } : {};
