import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseKey, toCaseItem } from '../../shared/repository/case-item.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { eventually, startTestStack } from '../support/local-stack.ts';
import { actionTokens, customerNotice, sampleCase } from '../support/notices.ts';

/**
 * The pages behind the signed links of customer emails, in chromium: real links from a real
 * follow-up survey (notify → SES local), a strict CSP on every page, and not one violation of it.
 */
let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startTestStack({ clock: new VirtualClock(new Date('2026-11-27T01:00:00.000Z')), schedule: false }),
    launchChromium(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The follow-up survey a customer gets a week after the fix: links 1–5, then unsubscribe. */
async function surveyLinks(caseId: string, address: string, locale: 'ja' | 'en'): Promise<string[]> {
  const now = stack.clock.now().toISOString();
  const resolved = sampleCase({ caseId, feedbackId: `fb_${caseId}`, status: 'resolved', version: 4 });
  await stack.db.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: toCaseItem({ ...resolved, createdAt: now, updatedAt: now }),
    }),
  );
  const notice = customerNotice(
    {
      kind: 'customer_follow_up',
      step: 'follow_up',
      to: [{ email: address, name: '山田 花子', locale }],
      data: { caseId, siteId: 'shop-jp', siteName: 'Sakura Market', scale: 'one_to_five' },
    },
    caseId,
  );
  await stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.queues.customerNotices.url,
      MessageBody: JSON.stringify(notice),
    }),
  );
  const mail = await eventually(
    async () => {
      const outbox = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as {
        to: string[];
        text: string;
      }[];
      const found = outbox.find((m) => m.to.includes(address));
      expect(found).toBeDefined();
      return found!;
    },
    20_000,
    100,
  );
  return actionTokens(mail.text).map((token) => `${stack.url}/v1/actions/${token}`);
}

async function phonePage() {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/content security policy/i.test(m.text())) refused.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e) => console.error(`Content Security Policy violation: ${e.violatedDirective}`),
      true,
    );
  });
  return { page, refused, close: () => context.close() };
}

/** The headers every customer page carries, and its one stylesheet really applied. */
async function expectStrictPage(page: Page, response: Response | null) {
  const headers = response!.headers();
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toMatch(
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$/,
  );
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  const main = await page.locator('main').evaluate((el) => getComputedStyle(el).borderTopWidth);
  expect(main).toBe('6px'); // the hashed inline stylesheet was allowed
}

const caseStatus = async (caseId: string) =>
  (
    await stack.db.send(
      new GetCommand({ TableName: stack.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    )
  ).Item?.status;

describe('customer pages behind signed links', () => {
  it('follow-up answer: a confirm page, then thanks, under a strict CSP without violations', async () => {
    const links = await surveyLinks('case_pages_rate', 'rate@example.jp', 'ja');
    const { page, refused, close } = await phonePage();

    const shown = await page.goto(links[4]!); // "5"
    await expectStrictPage(page, shown);
    await page.getByRole('heading', { name: 'ご回答の確認' }).waitFor();
    await page.getByText('「5（満足）」と回答します').waitFor();
    await page.getByText('受付番号: case_pages_rate').waitFor();
    expect(await caseStatus('case_pages_rate')).toBe('resolved'); // opening the link changed nothing
    await screenshot(page, 'customer-page-rating-ja');

    const [answered] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: '送信する' }).click(),
    ]);

    expect(answered?.status()).toBe(200);
    await expectStrictPage(page, answered);
    await page.getByRole('heading', { name: 'ご回答ありがとうございました' }).waitFor();
    await screenshot(page, 'customer-page-thanks-ja');
    expect(await caseStatus('case_pages_rate')).toBe('closed');
    expect(refused).toEqual([]);
    await close();
  });

  it('unsubscribe: a confirm page, then the confirmation, in English, under the same CSP', async () => {
    const links = await surveyLinks('case_pages_unsub', 'unsub@example.jp', 'en');
    const { page, refused, close } = await phonePage();

    const shown = await page.goto(links[5]!);
    await expectStrictPage(page, shown);
    await page.getByRole('heading', { name: 'Unsubscribe' }).waitFor();
    await page.getByText('We will stop sending emails about your feedback. Press the button').waitFor();
    await screenshot(page, 'customer-page-unsubscribe-en');
    const [done] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Unsubscribe' }).click(),
    ]);

    expect(done?.status()).toBe(200);
    await expectStrictPage(page, done);
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await page.getByText('Reference: case_pages_unsub').waitFor();
    await screenshot(page, 'customer-page-unsubscribed-en');
    expect(refused).toEqual([]);
    await close();
  });

  it('a broken link gets a clear page in both languages, under the same CSP', async () => {
    const { page, refused, close } = await phonePage();

    const shown = await page.goto(`${stack.url}/v1/actions/not-a-token`);

    expect(shown?.status()).toBe(400);
    await expectStrictPage(page, shown);
    await page.getByRole('heading', { name: 'リンクが無効です' }).waitFor();
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
    expect(refused).toEqual([]);
    await close();
  });
});
