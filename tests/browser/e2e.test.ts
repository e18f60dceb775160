import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { eventually, startTestStack } from '../support/local-stack.ts';
import { actionTokens } from '../support/notices.ts';

/**
 * The whole loop in one browser, as people live it: a customer abandons checkout on the demo shop
 * and answers the widget in Japanese; triage opens a case for the orders team; a member of that
 * team finds it in the console and resolves it; the customer gets the resolution by email, in
 * Japanese. The stack's clock stands on Wednesday 2026-11-18 10:00 JST, a business day.
 */
const T0 = new Date('2026-11-18T01:00:00.000Z');
const customerEmail = 'e2e.hanako@example.jp';
const comment = 'クーポンを入れたのに割引されず、購入をやめました。';
const resolution = 'クーポンの不具合を修正し、割引分を返金いたしました。ご迷惑をおかけしました。';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ clock: new VirtualClock(T0), schedule: false }),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
}

async function outbox(): Promise<OutboxMail[]> {
  return (await (await fetch(`${stack.url}/__local/outbox`)).json()) as OutboxMail[];
}

async function answerWidget(page: Page): Promise<void> {
  await page.goto(`${stack.url}/__local/demo?site=shop-jp&locale=ja`);
  await page.locator('#email').fill(customerEmail);
  await page.getByRole('button', { name: 'Finish checkout' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '2', exact: true }).check();
  await dialog.getByRole('checkbox', { name: '価格が高い' }).check();
  await dialog.getByLabel('コメント（任意）').fill(comment);
  await dialog.getByRole('button', { name: '送信' }).click();
  await expect
    .poll(() => page.getByRole('status').first().innerText(), { timeout: 10_000 })
    .toContain('ありがとうございました');
}

describe('the loop, end to end in the browser', () => {
  it('the widget submits, the case appears in the console, resolving it emails the customer in Japanese', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'Asia/Tokyo',
    });
    const page = await context.newPage();

    // The customer answers the widget after abandoning checkout…
    await answerWidget(page);

    // …and, since the widget's public key vouches for no one, confirms the address from the one
    // email it gets until then (double opt-in, docs/threat-model.md).
    const confirmation = await eventually(async () => {
      const found = (await outbox()).find((m) => m.to.includes(customerEmail));
      expect(found?.subject).toContain('メールアドレスのご確認');
      return found!;
    }, 20_000);
    expect(confirmation.text).not.toContain(comment);
    const [confirmToken] = actionTokens(confirmation.text);
    await page.goto(`${stack.url}/v1/actions/${confirmToken}`);
    await page.getByRole('button', { name: /確認する|Confirm/ }).click();
    await expect.poll(() => page.locator('h1').innerText()).toMatch(/確認しました|Address confirmed/);
    await screenshot(page, 'e2e-address-confirmed');

    // A member of the orders team (checkout abandonment is theirs) signs in to the console…
    await page.goto(`${stack.url}/console/`);
    await page.locator('button[data-member="tanaka"]').click();
    await page.getByTestId('member').waitFor();
    // …and the case is in the queue once triage has opened it (the console shows it on a refresh).
    const row = page.locator('table.queue tbody tr');
    await eventually(async () => {
      await page.reload();
      await page.locator('h1').waitFor();
      expect(await row.count()).toBe(1);
    }, 20_000);
    await row.locator('a').click();
    await expect.poll(() => page.locator('blockquote.comment').innerText()).toBe(comment);
    expect(await page.getByTestId('customer-locale').innerText()).toBe('ja');
    expect(await page.locator('.facts').first().innerText()).toContain(customerEmail);

    await page.getByLabel('Message to the customer').fill(resolution);
    await page
      .getByLabel('Root cause (internal)')
      .fill('The coupon service rejected codes with lower-case letters');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expect
      .poll(() => page.locator('[data-testid="timeline"] li[data-type="resolved"]').count())
      .toBe(1);
    await screenshot(page, 'e2e-resolved-case');

    // The customer's resolution notice, in their language, with the member's message.
    const mail = await eventually(async () => {
      const found = (await outbox()).find(
        (m) => m.to.includes(customerEmail) && m.subject.includes('ご意見への対応が完了しました'),
      );
      expect(found).toBeDefined();
      return found!;
    }, 20_000);
    expect(mail.text).toContain(resolution);
    await context.close();
  });
});
