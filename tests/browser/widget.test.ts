import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { countItems, eventually, startTestStack } from '../support/local-stack.ts';

/**
 * The feedback widget in Debian's chromium, embedded in the local stack's demo shop
 * (`/__local/demo`, served under a strict CSP), posting to the real ingest → triage path.
 */
let stack: LocalStack;
let browser: Browser;
let context: BrowserContext | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ schedule: false }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

interface DemoPage {
  page: Page;
  /** CSP violations: the console's "Refused to …" lines and `securitypolicyviolation` events. */
  violations: () => Promise<string[]>;
  /** Every POST /v1/feedback the page made. */
  posts: Request[];
  cspHeader: string | undefined;
}

async function openDemo(query: string, viewport = { width: 1000, height: 900 }): Promise<DemoPage> {
  context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) refused.push(m.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener(
      'securitypolicyviolation',
      (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`),
      true,
    );
  });
  const posts: Request[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/v1/feedback')) posts.push(r);
  });
  const response = await page.goto(`${stack.url}/__local/demo?${query}`);
  expect(response?.status()).toBe(200);
  await page.waitForFunction(() =>
    Boolean((window as unknown as { Closeloop?: { version?: string } }).Closeloop?.version),
  );
  return {
    page,
    posts,
    cspHeader: response?.headers()['content-security-policy'],
    violations: async () => [
      ...refused,
      ...(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)),
    ],
  };
}

/** The focused element, looking into the widget's shadow root: its role-ish description. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return '';
    const input = el as HTMLInputElement;
    if (input.type === 'radio' || input.type === 'checkbox') return `${input.type} ${input.value}`;
    return `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.id ?? ''}`.trim();
  });

const press = async (page: Page, key: string, times = 1) => {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
};

const pendingInStorage = (page: Page) =>
  page.evaluate(() => JSON.parse(localStorage.getItem('closeloop.pending.v1') ?? '[]') as { key: string }[]);

async function caseOf(feedbackId: string) {
  const token = ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string })
    .token;
  const listed = (await (await fetch(`${stack.url}/__local/cases`)).json()) as {
    caseId: string;
    feedbackId: string;
  }[];
  const found = listed.filter((c) => c.feedbackId === feedbackId);
  expect(found).toHaveLength(1);
  const detail = await fetch(`${stack.url}/v1/cases/${found[0]!.caseId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await detail.json()) as {
    case: { touchpoint: string; channel: string; category: string; teamId: string };
    feedback: Record<string, unknown>;
  };
}

describe('the feedback widget on a client page', () => {
  it('is answered with the keyboard alone in Japanese: score, reasons, comment, send → 202 and a triaged case', async () => {
    const { page, posts, violations, cspHeader } = await openDemo('site=shop-jp&locale=ja');
    expect(cspHeader).toContain("script-src 'self'");
    expect(cspHeader).toContain("style-src 'self'");

    await press(page, 'Tab', 2); // the email field, then "Finish checkout"
    expect(await focused(page)).toBe('button finish');
    await press(page, 'Enter');
    const dialog = page.getByRole('dialog', {
      name: '当店を友人や同僚にすすめる可能性はどのくらいありますか？',
    });
    await dialog.waitFor();
    expect(await dialog.getAttribute('aria-modal')).toBe('true');
    expect(await focused(page)).toBe('radio 0');

    await press(page, 'ArrowRight', 2); // radios: the arrows choose
    await press(page, 'Tab'); // 価格が高い
    await press(page, 'Tab', 2); // 希望の支払い方法がない
    await press(page, 'Space');
    await press(page, 'Tab', 2); // サイトが使いにくい
    await press(page, 'Enter'); // Enter ticks too, rather than sending half an answer
    await press(page, 'Tab', 2); // past その他, into the comment
    await page.keyboard.type('支払い方法が選べませんでした');
    expect(await dialog.getByRole('radio', { name: '2', exact: true }).isChecked()).toBe(true);
    await screenshot(page, 'widget-nps-ja');
    await press(page, 'Tab');
    expect(await focused(page)).toBe('button');
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
    await press(page, 'Enter');
    const response = await answered;

    expect(response.status()).toBe(202);
    await dialog.getByRole('status').filter({ hasText: 'ありがとうございました' }).waitFor();
    await page.getByText('Closeloop.ask → sent').waitFor();
    await screenshot(page, 'widget-thanks-ja');
    const request = posts[0]!;
    expect(request.headers()['x-site-key']).toBe('sk_local_shop-jp');
    expect(request.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const { feedbackId } = (await response.json()) as { feedbackId: string };
    const triaged = await eventually(() => caseOf(feedbackId), 20_000, 200);
    expect(triaged.case).toMatchObject({
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      category: 'payment',
      teamId: 'orders',
    });
    expect(triaged.feedback).toMatchObject({
      siteId: 'shop-jp',
      rating: { type: 'nps', score: 2 },
      reasons: ['payment_method_unavailable', 'site_hard_to_use'],
      comment: '支払い方法が選べませんでした',
      customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
      context: { pageUrl: `${stack.url}/__local/demo` },
    });
    expect(posts).toHaveLength(1);
    expect(await pendingInStorage(page)).toEqual([]);
    expect(await violations()).toEqual([]);
  });

  it('speaks English with the exact accessible names, keeps Tab inside, and Escape closes it back to the button', async () => {
    const { page, violations } = await openDemo('site=shop-en&locale=en&scale=csat');
    await page.getByRole('button', { name: 'Finish checkout' }).focus();
    await press(page, 'Enter');
    const dialog = page.getByRole('dialog', { name: 'How satisfied are you with your experience today?' });
    await dialog.waitFor();

    const radios = await dialog
      .getByRole('radio')
      .evaluateAll((els) => els.map((el) => (el as HTMLInputElement).labels?.[0]?.textContent));
    expect(radios).toEqual(['1', '2', '3', '4', '5']);
    for (const n of ['1', '5']) await dialog.getByRole('radio', { name: n, exact: true }).waitFor();
    for (const reason of [
      'Price too high',
      'Shipping problem',
      'Payment method unavailable',
      'Not enough product information',
      'Site hard to use',
      'Other',
    ]) {
      await dialog.getByRole('checkbox', { name: reason, exact: true }).waitFor();
    }
    await dialog.getByRole('textbox', { name: 'Comment (optional)', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Send', exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Close', exact: true }).waitFor();
    await screenshot(page, 'widget-csat-en');

    expect(await focused(page)).toBe('radio 1');
    await press(page, 'Shift+Tab'); // from the first stop back around to the last: Close
    expect(await focused(page)).toBe('button Close');
    await press(page, 'Tab'); // and forward around to the first again
    expect(await focused(page)).toBe('radio 1');
    await press(page, 'Escape');

    await dialog.waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('button finish');
    await page.getByText('Closeloop.ask → dismissed').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('shows the Japanese labels, and an answer given offline is queued, then sent exactly once when back online', async () => {
    const { page, posts, violations } = await openDemo('site=shop-jp&locale=ja', { width: 390, height: 844 });
    const before = await countItems(stack, 'feedback');
    await page.getByRole('button', { name: 'Finish checkout' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: '配送に問題がある', exact: true }).waitFor();
    await dialog.getByRole('textbox', { name: 'コメント（任意）', exact: true }).waitFor();
    await dialog.getByRole('button', { name: '閉じる', exact: true }).waitFor();
    await screenshot(page, 'widget-nps-ja-phone');

    await context!.setOffline(true);
    await dialog.getByRole('radio', { name: '1', exact: true }).check();
    await dialog.getByRole('checkbox', { name: '配送に問題がある', exact: true }).check();
    await dialog.getByRole('button', { name: '送信', exact: true }).click();

    await page.getByText('Closeloop.ask → queued').waitFor();
    expect(await dialog.getByRole('status').textContent()).toContain('ありがとうございました');
    const pending = await pendingInStorage(page);
    expect(pending).toHaveLength(1);
    expect(await countItems(stack, 'feedback')).toBe(before);

    const sent = page.waitForResponse((r) => r.url().endsWith('/v1/feedback'));
    await context!.setOffline(false); // the `online` event sends it at once, not after the backoff
    const response = await sent;
    expect(response.status()).toBe(202);
    expect(response.request().headers()['idempotency-key']).toBe(pending[0]!.key);
    const { feedbackId } = (await response.json()) as { feedbackId: string };
    const triaged = await eventually(() => caseOf(feedbackId), 20_000, 200);
    expect(triaged.feedback).toMatchObject({
      rating: { type: 'nps', score: 1 },
      reasons: ['shipping_problem'],
    });
    await eventually(async () => expect(await pendingInStorage(page)).toEqual([]));

    // A reload finds nothing left to send: one feedback, one case, one successful POST.
    await page.reload();
    await page.waitForFunction(() => Boolean((window as unknown as { Closeloop?: unknown }).Closeloop));
    expect(await countItems(stack, 'feedback')).toBe(before + 1);
    expect(posts.filter((r) => r.failure() === null).length).toBe(1);
    expect(await violations()).toEqual([]);
  });
});
