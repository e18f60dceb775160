import { describe, expect, it } from 'vitest';
import { knownIssues } from '../../web/widget/known.ts';

const endpoint = 'https://feedback.example.jp';
const answer = (body: unknown, ok = true) => ({ ok, json: async () => body });
const listing = {
  siteId: 'shop-jp',
  issues: [
    { problemId: 'prb_1', publicTitle: 'カード決済が完了しない', touchpoints: ['checkout_abandonment'] },
  ],
};

describe('the widget hint for a known issue', () => {
  it('names the open public problem on this touchpoint, with the page in the prompt language', async () => {
    const hint = knownIssues(endpoint, 'shop-jp', async () => answer(listing));

    expect(await hint('checkout_abandonment', 'ja')).toEqual({
      publicTitle: 'カード決済が完了しない',
      href: 'https://feedback.example.jp/known-issues/shop-jp?lang=ja',
    });
    expect(await hint('delivery', 'en')).toBeUndefined();
  });

  it('asks the API once per page load, however many prompts open', async () => {
    const urls: string[] = [];
    const hint = knownIssues(endpoint, 'shop jp', async (url) => {
      urls.push(url);
      return answer(listing);
    });

    await hint('checkout_abandonment', 'en');
    await hint('delivery', 'en');

    expect(urls).toEqual(['https://feedback.example.jp/known-issues/shop%20jp?format=json']);
  });

  it('gives no hint, and no error, when the request fails, is refused or answers something else', async () => {
    const failures = [
      async () => {
        throw new TypeError('Failed to fetch');
      },
      () => {
        throw new Error('thrown before any promise');
      },
      async () => answer(listing, false),
      async () => ({ ok: true, json: async () => Promise.reject(new SyntaxError('not JSON')) }),
      async () => answer(null),
      async () => answer({ issues: [{ publicTitle: 42, touchpoints: ['checkout_abandonment'] }] }),
      async () => answer({ issues: [{ publicTitle: 'x', touchpoints: 'checkout_abandonment' }] }),
    ];

    for (const get of failures) {
      expect(await knownIssues(endpoint, 'shop-jp', get)('checkout_abandonment', 'ja')).toBeUndefined();
    }
  });
});
