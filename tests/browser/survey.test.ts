import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoInvitationStore } from '../../shared/adapters/invitation-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { feedbackIdFor } from '../../shared/domain/feedback.ts';
import { contactKeyOf, type Invitation, surveyTokenOf } from '../../shared/domain/invitation.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { exampleConfig, startTestStack } from '../support/local-stack.ts';

/**
 * The hosted survey page in chromium, answered with the keyboard alone (Tab, the arrow keys, Space,
 * Enter) in Japanese and in English, under its strict CSP without one violation.
 */
const T0 = new Date('2026-11-18T01:00:00.000Z');
const REVIEW_URL = 'https://reviews.example.com/sakura-market';
let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  const config = exampleConfig();
  [stack, browser] = await Promise.all([
    startTestStack({
      clock: new VirtualClock(T0),
      schedule: false,
      config: { ...config, invitations: { ...config.invitations, reviewUrls: { 'shop-jp': REVIEW_URL } } },
    }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function invite(n: number, locale: 'ja' | 'en'): Promise<{ inv: Invitation; url: string }> {
  const customer = { email: `browser${n}@example.jp`, name: '山田 花子', locale, contactConsent: true };
  const inv: Invitation = {
    invitationId: `inv_${String(n).padStart(26, 'B')}`,
    siteId: 'shop-jp',
    eventId: `evt-browser-${n}`,
    eventType: 'order_delivered',
    ruleId: 'delivered',
    touchpoint: 'delivery',
    survey: { type: 'nps', reasons: ['shipping_problem', 'price_too_high', 'other'], comment: true },
    customer,
    contactKey: contactKeyOf('shop-jp', customer),
    orderId: `ORD-B${n}`,
    emailed: true,
    askWeek: '2026-W49',
    status: 'sent',
    createdAt: T0.toISOString(),
    sentAt: T0.toISOString(),
    closesAt: new Date(T0.getTime() + 14 * 86_400_000).toISOString(),
    version: 2,
  };
  const store = dynamoInvitationStore(
    stack.db,
    stack.tableName,
    stack.config.service.retentionDays,
    stack.clock,
  );
  await store.apply({ invitation: inv, log: [] });
  return { inv, url: `${stack.url}/s/${surveyTokenOf(inv, stack.linkSecret)}` };
}

async function phonePage() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => console.error(`Content Security Policy violation: ${e.violatedDirective}`),
      true,
    );
  });
  return { page, problems, close: () => context.close() };
}

const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    return el
      ? `${el.tagName.toLowerCase()}#${el.id}${el.type === 'radio' || el.type === 'checkbox' ? `:${el.checked}` : ''}`
      : '';
  });

const stored = async (inv: Invitation) =>
  (
    await stack.db.send(
      new GetCommand({
        TableName: stack.tableName,
        Key: feedbackKey(feedbackIdFor('shop-jp', `survey:${inv.invitationId}`)),
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('the survey page, keyboard only', () => {
  it('ja: Tab to the score, arrows to 3, Space on a reason, a comment, Enter sends; thanks', async () => {
    const { inv, url } = await invite(1, 'ja');
    const { page, problems, close } = await phonePage();
    const shown = await page.goto(url);
    expect(shown?.status()).toBe(200);
    expect(shown?.headers()['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/,
    );
    await page.getByRole('group', { name: /当店を友人や同僚にすすめる可能性/ }).waitFor();
    expect(await page.locator('main').evaluate((el) => getComputedStyle(el).borderTopWidth)).toBe('6px');

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input#score-0:false');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    expect(await focused(page)).toBe('input#score-3:true');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('input#reason-0:false');
    await page.keyboard.press('Space');
    expect(await focused(page)).toBe('input#reason-0:true');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('textarea#comment');
    await page.keyboard.type('配達が予定より3日遅れました。');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('回答を送信');
    await screenshot(page, 'survey-ja');

    const [sent] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(sent?.status()).toBe(200);
    await page.getByRole('heading', { name: 'ご回答ありがとうございました' }).waitFor();
    await page.getByText('担当チームが内容を確認いたします').waitFor();
    await screenshot(page, 'survey-thanks-ja');
    expect(await stored(inv)).toMatchObject({
      rating: { type: 'nps', score: 3 },
      reasons: ['shipping_problem'],
      comment: '配達が予定より3日遅れました。',
      channel: 'email',
    });
    expect(problems).toEqual([]);
    await close();
  });

  it('en: no score holds the form back; the promoter then reaches the review link by Tab', async () => {
    const { inv, url } = await invite(2, 'en');
    const { page, problems, close } = await phonePage();
    await page.goto(url);
    await page.getByRole('heading', { name: 'A quick question' }).waitFor();
    await page.getByRole('group', { name: /How likely are you to recommend us/ }).waitFor();

    // The browser itself refuses a form without a score (the radios are required): nothing is sent.
    await page.keyboard.press('Tab');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Send my answer');
    await page.keyboard.press('Enter');
    expect(page.url()).toBe(url);
    expect(await stored(inv)).toBeUndefined();

    // The browser took the focus back to the score group; ArrowLeft wraps from 0 to 10.
    expect(await focused(page)).toBe('input#score-0:false');
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).toBe('input#score-10:true');
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    const [sent] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(sent?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Thank you for your answer' }).waitFor();
    await page.keyboard.press('Tab');
    const link = await page.evaluate(() => (document.activeElement as HTMLAnchorElement | null)?.href);
    expect(link).toBe(REVIEW_URL);
    await screenshot(page, 'survey-promoter-en');
    expect(await stored(inv)).toMatchObject({ rating: { type: 'nps', score: 10 } });
    expect(problems).toEqual([]);
    await close();
  });
});
