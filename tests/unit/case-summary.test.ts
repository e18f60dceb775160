import { describe, expect, it } from 'vitest';
import {
  caseSummaryOf,
  erasedSummary,
  excerptLength,
  maskAddress,
} from '../../shared/domain/case-summary.ts';

describe('the case summary the queue shows', () => {
  it("takes the comment's first non-empty line, trimmed", () => {
    const summary = caseSummaryOf({ comment: '\n  届いた箱が潰れていました  \n中身は無事です' });

    expect(summary.excerpt).toBe('届いた箱が潰れていました');
  });

  it(`cuts a long first line to ${excerptLength} characters, counting emoji as one`, () => {
    const excerpt = caseSummaryOf({ comment: '😡'.repeat(200) }).excerpt ?? '';

    expect([...excerpt]).toHaveLength(excerptLength);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('names the customer by name, else by a masked address that cannot be written to', () => {
    const named = caseSummaryOf({ customer: { name: ' 山田 花子 ', email: 'hanako@example.jp' } });
    const unnamed = caseSummaryOf({ customer: { email: 'hanako@example.jp' } });

    expect(named.customer).toBe('山田 花子');
    expect(unnamed.customer).toBe('h•••@example.jp');
    expect(unnamed.customer).not.toContain('hanako');
  });

  it('masks an address whose local part starts with an astral character as one character', () => {
    expect(maskAddress('𠮷田@example.jp')).toBe('𠮷•••@example.jp');
  });

  it('leaves out what the feedback did not have', () => {
    expect(caseSummaryOf({ rating: { type: 'csat', score: 2 } })).toEqual({
      rating: { type: 'csat', score: 2 },
    });
  });

  it('keeps only the rating after erasure', () => {
    const summary = caseSummaryOf({
      comment: '返金してください',
      rating: { type: 'nps', score: 0 },
      customer: { name: '山田 花子' },
    });

    expect(erasedSummary(summary)).toEqual({ rating: { type: 'nps', score: 0 } });
    expect(erasedSummary(undefined)).toEqual({});
  });
});
