import { describe, expect, it } from 'vitest';
import { configFrom, drainQueue, type Outcome } from '../../web/widget/config.ts';
import type { AskOptions } from '../../web/widget/payload.ts';
import type { CloseloopApi } from '../../web/widget/widget.ts';

const page = 'https://shop.example.jp/cart';

describe('the widget reads its script tag', () => {
  it('posts to the origin the script came from, in the data-locale language', () => {
    const config = configFrom(
      { siteId: 'shop-jp', siteKey: 'sk_1', locale: 'ja' },
      'https://feedback.example.jp/widget.js?v=3',
      page,
      'en-US',
    );

    expect(config).toEqual({
      siteId: 'shop-jp',
      siteKey: 'sk_1',
      endpoint: 'https://feedback.example.jp',
      locale: 'ja',
    });
  });

  it('takes the Turnstile site key from data-turnstile-site-key, trimmed', () => {
    const config = configFrom(
      { siteId: 'shop-jp', siteKey: 'sk_1', turnstileSiteKey: ' 0x4AAAAAAA ' },
      'https://feedback.example.jp/widget.js',
      page,
    );

    expect(config).toMatchObject({ turnstileSiteKey: '0x4AAAAAAA' });
  });

  it('names an empty or overlong data-turnstile-site-key instead of starting without the check', () => {
    const src = 'https://feedback.example.jp/widget.js';

    expect(configFrom({ siteId: 's', siteKey: 'k', turnstileSiteKey: ' ' }, src, page)).toBe(
      'data-turnstile-site-key is empty',
    );
    expect(configFrom({ siteId: 's', siteKey: 'k', turnstileSiteKey: 'x'.repeat(101) }, src, page)).toBe(
      'data-turnstile-site-key is longer than 100 characters',
    );
  });

  it('takes data-endpoint over the script origin, and the browser language without data-locale', () => {
    const config = configFrom(
      { siteId: 'shop-en', siteKey: 'sk_2', endpoint: 'https://api.example.com/prod/' },
      'https://cdn.example.com/widget.js',
      page,
      'en-GB',
    );

    expect(config).toMatchObject({ endpoint: 'https://api.example.com/prod', locale: 'en' });
  });

  it('names the missing attribute', () => {
    expect(configFrom({ siteKey: 'sk' }, undefined, page)).toBe('data-site-id is missing on the script tag');
    expect(configFrom({ siteId: 'shop-jp' }, undefined, page)).toBe(
      'data-site-key is missing on the script tag',
    );
  });
});

describe('calls made before the script loaded', () => {
  it('run in order once it loads, and settle the promises the stub handed out', async () => {
    const asked: string[] = [];
    const api: Pick<CloseloopApi, 'ask'> = {
      ask: async (options: AskOptions) => {
        asked.push(options.touchpoint);
        if (options.touchpoint === 'delivery') throw new Error('refused');
        return 'sent';
      },
    };
    const settled: string[] = [];
    const queued = [
      [{ touchpoint: 'checkout_abandonment' }, (o: Outcome) => settled.push(`resolved ${o}`)],
      { touchpoint: 'post_purchase' }, // pushed as bare options: nobody waits for it
      [
        { touchpoint: 'delivery' },
        () => settled.push('resolved'),
        (e: Error) => settled.push(`rejected ${e.message}`),
      ],
    ];

    drainQueue(queued, api.ask);
    await new Promise((r) => setImmediate(r));

    expect(asked).toEqual(['checkout_abandonment', 'post_purchase', 'delivery']);
    expect(settled).toEqual(['resolved sent', 'rejected refused']);
  });

  it('ignore a stub without a queue', () => {
    let calls = 0;
    drainQueue(undefined, async () => {
      calls++;
      return 'sent';
    });

    expect(calls).toBe(0);
  });
});
