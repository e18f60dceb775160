import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { turnstileOrigin } from '../../web/csp.ts';
import { launchChromium } from '../support/browser.ts';
import { countItems, exampleConfig, startTestStack } from '../support/local-stack.ts';
import { startSiteverifyPeer } from '../support/siteverify-peer.ts';

/**
 * The widget on a site whose config has the Turnstile bot check, in chromium: the demo shop names
 * the Turnstile site key on the script tag, Cloudflare's script is answered by a stand-in that
 * speaks its explicit-render API (no request leaves the machine), and ingest asks a local
 * siteverify peer about each token.
 */
const localSecret = '1x0000000000000000000000000000000AA';
const turnstileSiteKey = '0x4AAAA-browser-test';

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext | undefined;
let siteverify: Awaited<ReturnType<typeof startSiteverifyPeer>>;

beforeAll(async () => {
  siteverify = await startSiteverifyPeer({ secret: localSecret, passing: ['tok-1', 'tok-2', 'tok-3'] });
  const config = exampleConfig();
  config.sites = config.sites.map((s) =>
    s.id === 'shop-en'
      ? { ...s, botCheck: { kind: 'turnstile', siteKey: turnstileSiteKey, secretName: 'unused' } }
      : s,
  );
  [stack, browser] = await Promise.all([
    startTestStack({ config, schedule: false, botCheckUrl: siteverify.url }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await siteverify?.stop();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

/** Turnstile's explicit-render API as the widget uses it; each render or reset issues tok-<n>. */
const fakeTurnstile = `
  (function () {
    var issued = 0, widgets = {};
    window.__turnstile = { renders: [], resets: 0 };
    window.turnstile = {
      render: function (el, options) {
        window.__turnstile.renders.push({ sitekey: options.sitekey, language: options.language, inPage: document.body.contains(el) });
        var id = 'w' + window.__turnstile.renders.length;
        widgets[id] = options;
        setTimeout(function () { options.callback('tok-' + (++issued)); }, 10);
        return id;
      },
      reset: function (id) {
        window.__turnstile.resets++;
        setTimeout(function () { widgets[id].callback('tok-' + (++issued)); }, 10);
      }
    };
  })();`;

async function openShop(
  site: string,
  locale: 'ja' | 'en',
): Promise<{ page: Page; scriptLoads: () => number }> {
  context = await browser.newContext();
  let loads = 0;
  await context.route(`${turnstileOrigin}/**`, (route) => {
    loads += 1;
    return route.fulfill({ status: 200, contentType: 'text/javascript', body: fakeTurnstile });
  });
  const page = await context.newPage();
  const response = await page.goto(`${stack.url}/__local/demo?site=${site}&locale=${locale}&scale=csat`);
  expect(response?.status()).toBe(200);
  await page.waitForFunction(() =>
    Boolean((window as unknown as { Closeloop?: { version?: string } }).Closeloop?.version),
  );
  return { page, scriptLoads: () => loads };
}

async function answer(page: Page) {
  await page.getByRole('button', { name: 'Finish checkout' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '2', exact: true }).check();
  const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/v1/feedback'));
  await dialog.getByRole('button', { name: 'Send', exact: true }).click();
  return { dialog, request: await posted };
}

describe('the widget on a site with the Turnstile bot check', () => {
  it('loads the challenge only once asked, and posts with the token it issued, which siteverify passes', async () => {
    const before = await countItems(stack, 'feedback');
    const { page, scriptLoads } = await openShop('shop-en', 'en');
    const loadsBeforeAsking = scriptLoads();

    const { dialog, request } = await answer(page);
    await page.getByText('Closeloop.ask → sent').waitFor();

    expect(loadsBeforeAsking).toBe(0);
    expect(scriptLoads()).toBe(1);
    expect(request.headers()['x-bot-token']).toBe('tok-1');
    expect(
      await page.evaluate(() => (window as unknown as { __turnstile: unknown }).__turnstile),
    ).toMatchObject({
      renders: [{ sitekey: turnstileSiteKey, language: 'en', inPage: true }],
    });
    expect(siteverify.requests.at(-1)).toMatchObject({ secret: localSecret, response: 'tok-1' });
    expect(await dialog.getByRole('status').textContent()).toContain('Thank you for your feedback');
    expect(await countItems(stack, 'feedback')).toBe(before + 1);
  });

  it('sends no token, and loads nothing from Cloudflare, for a site without the check', async () => {
    const { page, scriptLoads } = await openShop('shop-jp', 'en');

    const { request } = await answer(page);
    await page.getByText('Closeloop.ask → sent').waitFor();

    expect(request.headers()['x-bot-token']).toBeUndefined();
    expect(scriptLoads()).toBe(0);
  });
});
