import { beforeEach, describe, expect, it } from 'vitest';
import { triageFeedback } from '../../core/cases/triage.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import {
  caseRefAlphabet,
  caseRefFrom,
  caseRefInputPattern,
  caseRefLengthAfter,
  caseRefPattern,
  normalizeCaseRef,
} from '../../shared/domain/case-ref.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { InMemoryTriage } from '../support/triage-fakes.ts';

/** A random source that hands out the given bytes, one call after another. */
const bytes =
  (...calls: number[][]) =>
  (n: number) => {
    const next = calls.shift() ?? [];
    return Uint8Array.from({ length: n }, (_, i) => next[i] ?? 0);
  };

describe('the case reference', () => {
  it('uses 30 symbols that cannot be misread: no 0, O, 1, I, L or U', () => {
    expect(caseRefAlphabet).toHaveLength(30);
    expect(new Set(caseRefAlphabet).size).toBe(30);
    for (const ambiguous of '0O1ILU') expect(caseRefAlphabet).not.toContain(ambiguous);
  });

  it('reads CL- and five symbols, one symbol per unbiased byte', () => {
    const ref = caseRefFrom(bytes([5, 17, 1, 18, 7]));

    expect(ref).toBe('CL-7K3M9');
    expect(ref).toMatch(caseRefPattern);
  });

  it('skips the bytes that would favour the first symbols', () => {
    // 240..255 would map to 0..15 a ninth time: they are dropped, and more bytes are asked for.
    const ref = caseRefFrom(bytes([240, 255, 0, 1, 2, 250, 3, 4, 250, 251], [29]));

    expect(ref).toBe('CL-23456');
    expect(caseRefFrom(bytes([255, 255, 255, 255, 255, 255, 255, 255, 255, 255], [29, 29, 29, 29, 29]))).toBe(
      'CL-ZZZZZ',
    );
  });

  it('grows by one symbol per reference found taken, up to eight', () => {
    expect([0, 1, 2, 3, 4, 9].map(caseRefLengthAfter)).toEqual([5, 6, 7, 8, 8, 8]);
    expect(caseRefFrom(bytes([1, 2, 3, 4, 5, 6, 7, 8]), 8)).toMatch(caseRefPattern);
  });

  it('refuses what is not a reference and takes what staff type in lower case', () => {
    for (const bad of ['CL-7K3M', 'CL-7K3M90', 'CL-7K3MO', 'CL-7K3M1', 'XX-7K3M9', 'CL7K3M9', 'CL-7K3M9ABCD'])
      expect(bad).not.toMatch(caseRefPattern);
    expect('cl-7k3m9').toMatch(caseRefInputPattern);
    expect(normalizeCaseRef('cl-7k3m9')).toBe('CL-7K3M9');
    expect('cl-7k3mo').not.toMatch(caseRefInputPattern);
  });
});

describe('triage: the new case claims a reference nobody holds', () => {
  const config = loadConfigFile('closeloop.config.example.json');
  let store: InMemoryTriage;
  beforeEach(() => {
    store = new InMemoryTriage();
  });

  const feedback = (feedbackId: string): Feedback => ({
    feedbackId,
    receivedAt: '2026-11-18T01:00:00.000Z',
    bodyHash: 'h',
    siteId: 'shop-jp',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    rating: { type: 'nps', score: 3 },
    comment: '支払い方法が選べませんでした',
  });

  it('draws again, one symbol longer, when the reference is taken, and names it in the customer notice', async () => {
    store.refs.set('CL-7K3M9', 'case_older');
    store.add({
      ...feedback('fb_new'),
      customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
    });

    const result = await triageFeedback('fb_new', {
      feedback: store,
      assignments: store,
      store,
      clock: new VirtualClock(new Date('2026-11-18T05:00:00Z')),
      config,
      backoff: async () => {
        throw new Error('a taken reference is no race: no wait');
      },
      randomBytes: bytes([5, 17, 1, 18, 7], [2, 3, 4, 5, 6, 7]),
    });

    expect(result).toMatchObject({ outcome: 'case_opened', attempts: 2 });
    expect(store.cases.get('case_new')?.ref).toBe('CL-456789');
    expect(store.refs.get('CL-7K3M9')).toBe('case_older');
    expect(store.refs.get('CL-456789')).toBe('case_new');
    const notice = store.outbox.get('notice:case_new:customer_received:received')?.message;
    expect(notice).toMatchObject({ data: { caseId: 'case_new', caseRef: 'CL-456789' } });
  });

  it('gives two cases two references', async () => {
    store.add(feedback('fb_one'), feedback('fb_two'));
    const deps = {
      feedback: store,
      assignments: store,
      store,
      clock: new VirtualClock(new Date('2026-11-18T05:00:00Z')),
      config,
    };

    await triageFeedback('fb_one', deps);
    await triageFeedback('fb_two', deps);

    const refs = [store.cases.get('case_one')?.ref, store.cases.get('case_two')?.ref];
    expect(refs).toEqual([expect.stringMatching(caseRefPattern), expect.stringMatching(caseRefPattern)]);
    expect(new Set(refs).size).toBe(2);
  });
});
