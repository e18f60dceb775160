import { describe, expect, it } from 'vitest';
import { backoffMs, decide, maxDelayMs, retryAfterMs } from '../../web/widget/retry.ts';

const now = Date.parse('2026-11-20T01:00:00Z');
const top = () => 1; // jitter at its ceiling
const bottom = () => 0; // jitter at its floor

describe('the widget retry policy', () => {
  it('is done on 2xx', () => {
    expect(decide({ status: 202 }, 1, now)).toEqual({ kind: 'sent' });
  });

  it.each([400, 401, 403, 404, 409, 413, 415])(
    'drops an answer the server refused for good (%i)',
    (status) => {
      expect(decide({ status }, 1, now)).toEqual({ kind: 'drop' });
    },
  );

  it.each([
    ['a network error', undefined],
    ['408', 408],
    ['429', 429],
    ['500', 500],
    ['503', 503],
  ])('retries after %s', (_, status) => {
    expect(decide({ status }, 1, now, top)).toEqual({ kind: 'retry', delayMs: 1000 });
  });

  it('backs off exponentially with jitter, up to five minutes', () => {
    const ceilings = [1, 2, 3, 4, 5, 9, 10, 30].map((attempt) => backoffMs(attempt, top));
    const floors = [1, 2, 3].map((attempt) => backoffMs(attempt, bottom));

    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16_000, 256_000, maxDelayMs, maxDelayMs]);
    expect(floors).toEqual([500, 1000, 2000]);
  });

  it('honours Retry-After in seconds or as a date when it asks for longer than the backoff', () => {
    const seconds = decide({ status: 429, retryAfter: '30' }, 1, now, top);
    const date = decide({ status: 503, retryAfter: new Date(now + 90_000).toUTCString() }, 1, now, top);
    const shorter = decide({ status: 503, retryAfter: '1' }, 5, now, top);

    expect(seconds).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(date).toEqual({ kind: 'retry', delayMs: 90_000 });
    expect(shorter).toEqual({ kind: 'retry', delayMs: 16_000 });
  });

  it('ignores an unreadable Retry-After and caps an absurd one at an hour', () => {
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(decide({ status: 429, retryAfter: '999999' }, 1, now, top)).toEqual({
      kind: 'retry',
      delayMs: 3_600_000,
    });
  });
});
