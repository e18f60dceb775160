import { mkdir } from 'node:fs/promises';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { launchChromium } from '../support/browser.ts';
import { eventually, exampleConfig, postFeedback, staffApi, startTestStack } from '../support/local-stack.ts';

/**
 * The console's case view in Chromium against the local stack: the customer's words first, a
 * reassign control by name, and the timeline as two tracks (what passed between the team and the
 * customer; what stayed inside the team). The clock starts on a Tokyo business morning and moves
 * only when a test says so. `CLOSELOOP_SCREENSHOTS=1` also writes the case view's screenshots into
 * docs/screenshots (left off in CI, so a run never rewrites them).
 */
const T0 = new Date('2026-11-18T00:00:00.000Z');

let stack: LocalStack;
let browser: Browser;
let page: Page;

const orders = exampleConfig().teams.find((t) => t.id === 'orders')!;
const nameOf = (memberId: string) => orders.members.find((m) => m.id === memberId)!.name;

const feedback = {
  /** From the checkout widget, with the order and the page it was on; the shop vouches for the address. */
  coupon: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 3 },
    comment: 'The coupon code SPRING10 was refused at checkout, so I did not order.',
    reasons: ['coupon_not_applied'],
    context: { orderId: 'A-1001', pageUrl: 'https://shop.example.jp/cart' },
    customer: { email: 'tom@example.com', name: 'Tom Baker', locale: 'en', contactConsent: true },
  },
  /** No consent to be emailed, and a page address that is not one. */
  payment: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'csat', score: 1 },
    comment: 'カード決済がエラーになりました。',
    context: { pageUrl: 'javascript:alert(document.cookie)' },
    customer: { locale: 'ja', contactConsent: false },
  },
  /** Reassigned with the keyboard alone. */
  wallet: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 2 },
    comment: 'The wallet payment button did nothing.',
  },
  /** Changed by a colleague while the page is open. */
  points: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 4 },
    comment: 'My points were not applied.',
  },
} satisfies Record<string, Record<string, unknown>>;

const caseIds = {} as Record<keyof typeof feedback, string>;
const progressMessage = 'We found the cause: codes in lower case were refused. A fix ships today.';

interface CaseAnswer {
  case: { assigneeId: string; version: number };
  timeline: { type: string; data: Record<string, unknown> }[];
}
const getCase = async (caseId: string) =>
  (await staffApi<CaseAnswer>(stack, 'GET', `/v1/cases/${caseId}`)).body;

/** A change as another member would make it, behind the console's back. */
async function change(caseId: string, action: string, body: unknown): Promise<void> {
  const { token } = (await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string };
  const response = await fetch(`${stack.url}/v1/cases/${caseId}/${action}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'if-match': String((await getCase(caseId)).case.version),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function seed(): Promise<void> {
  for (const [key, body] of Object.entries(feedback) as [keyof typeof feedback, object][]) {
    const response = await postFeedback(
      stack,
      { siteId: 'shop-jp', channel: 'web', ...body },
      { 'idempotency-key': `case-view-${key}` },
      { key: 'server' },
    );
    expect(response.status).toBe(202);
    caseIds[key] = caseIdFor(((await response.json()) as { feedbackId: string }).feedbackId);
  }
  await eventually(async () => {
    for (const id of Object.values(caseIds)) await getCase(id).then((c) => expect(c.case).toBeDefined());
  }, 30_000);
  // The coupon case is being worked: acknowledged, a note for the team, an update for the customer.
  stack.clock.advance(5 * 60_000);
  await change(caseIds.coupon, 'acknowledge', { note: 'Checking the coupon service' });
  stack.clock.advance(5 * 60_000);
  await change(caseIds.coupon, 'notes', { text: 'Codes with lower-case letters are rejected' });
  stack.clock.advance(5 * 60_000);
  await change(caseIds.coupon, 'updates', { message: progressMessage });
  await change(caseIds.payment, 'acknowledge', {});
  await change(caseIds.payment, 'updates', { message: '決済代行会社に確認しています。' });
  // Its mail goes out through the notify queue; the view should show it as sent.
  await eventually(async () => {
    const sent = (await getCase(caseIds.coupon)).timeline.filter(
      (e) => e.type === 'notice_sent' && e.data.kind === 'customer_progress',
    );
    expect(sent.map((e) => e.data.status)).toEqual(['sent']);
  }, 30_000);
}

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
  await seed();
  browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo',
  });
  page = await context.newPage();
  await page.goto(`${stack.url}/console/#/queue`);
  await page.locator('button[data-member="tanaka"]').click();
  await page.getByTestId('member').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const textOf = (l: Locator) =>
  poll(async () => ((await l.count()) ? (await l.first().innerText()).trim() : undefined));
/** The event types of a track's entries, in order. */
const typesOf = (testId: string) =>
  page.locator(`[data-testid="${testId}"] > li`).evaluateAll((els) => els.map((el) => el.dataset.type));
const typesIn = (testId: string) => poll(() => typesOf(testId));

async function openCase(caseId: string): Promise<void> {
  await page.goto(`${stack.url}/console/#/cases/${caseId}`);
  await page.getByTestId('version').waitFor();
}

/** Another member of the case's team than its owner now: the next in the team's list, or the one before. */
async function anotherMember(caseId: string): Promise<{ memberId: string; key: 'ArrowDown' | 'ArrowUp' }> {
  const ids = orders.members.map((m) => m.id);
  const at = ids.indexOf((await getCase(caseId)).case.assigneeId);
  return at + 1 < ids.length
    ? { memberId: ids[at + 1]!, key: 'ArrowDown' }
    : { memberId: ids[at - 1]!, key: 'ArrowUp' };
}

describe('case view', () => {
  it("puts the customer's words first, with the order id and a link to the page they wrote from", async () => {
    await openCase(caseIds.coupon);

    const first = page.locator('main section.card').first();
    await textOf(first.locator('h2')).toBe("The customer's words");
    await textOf(first.locator('blockquote.comment')).toBe(feedback.coupon.comment);
    await textOf(first.getByTestId('rating')).toBe('NPS 3 / 10');
    await textOf(first.getByRole('list', { name: 'Reasons' })).toBe('Coupon not applied');
    await textOf(first.getByTestId('order-id')).toBe('A-1001');
    const link = first.getByTestId('page-url').getByRole('link');
    await textOf(link).toBe('https://shop.example.jp/cart');
    expect(await link.getAttribute('href')).toBe('https://shop.example.jp/cart');
    expect(await link.getAttribute('rel')).toContain('noopener');
  });

  it('shows a page address that is not http(s) as plain text, never as a link', async () => {
    await openCase(caseIds.payment);

    await textOf(page.getByTestId('page-url')).toBe('javascript:alert(document.cookie)');
    expect(await page.getByTestId('page-url').locator('a').count()).toBe(0);
    // No order id was given, so there is no empty line for one.
    expect(await page.getByTestId('order-id').count()).toBe(0);
  });

  it('keeps the conversation with the customer and the internal record in two labelled tracks', async () => {
    await openCase(caseIds.coupon);

    const conversation = page.getByRole('region', { name: 'Conversation with the customer' });
    const internal = page.getByRole('region', { name: 'Internal', exact: true });
    await textOf(conversation.locator('h2')).toBe('Conversation with the customer');
    await textOf(internal.locator('h2')).toBe('Internal');
    // The customer's words, the receipt mail (the address is vouched for), the progress update.
    await typesIn('conversation').toEqual(['feedback', 'notice_sent', 'update_sent']);
    await poll(async () => (await typesOf('timeline')).filter((type) => type !== 'notice_sent')).toEqual([
      'opened',
      'assigned',
      'acknowledged',
      'note',
    ]);
    // Mails to staff (the new case's alert) are internal; the customer's are not.
    await poll(() => internal.locator('li[data-type="notice_sent"]').count()).toBeGreaterThan(0);
    const staffKinds = await internal
      .locator('li[data-type="notice_sent"]')
      .evaluateAll((els) => els.map((el) => el.dataset.kind));
    expect(staffKinds.every((kind) => kind?.startsWith('staff_'))).toBe(true);
    await textOf(conversation.locator('li[data-type="notice_sent"]')).toContain('Receipt confirmation');
    const update = conversation.locator('li[data-type="update_sent"]');
    await textOf(update.locator('.event-text')).toBe(progressMessage);
    await textOf(update.locator('.delivery')).toMatch(/^Emailed · /);
    await poll(() =>
      conversation
        .locator('li[data-type="notice_sent"]')
        .evaluateAll((els) => els.map((el) => el.dataset.kind)),
    ).toEqual(['customer_received']);
    await textOf(internal.locator('li[data-type="note"]')).toContain('Codes with lower-case letters');
    expect(await internal.getByText(progressMessage).count()).toBe(0);
    await textOf(page.getByTestId('last-told')).toMatch(
      new RegExp(`^Customer last told: Progress update: “${progressMessage}” at Nov 18, 2026`),
    );
  });

  it('says the customer has not been told anything yet, and why a message would not reach them', async () => {
    await openCase(caseIds.payment);

    await textOf(page.getByTestId('last-told')).toBe('Customer last told: not yet told');
    await typesIn('conversation').toEqual(['feedback', 'update_sent']);
    await textOf(page.locator('[data-testid="conversation"] li[data-type="update_sent"] .delivery')).toBe(
      'Not emailed: no contact consent',
    );
  });

  it('reassigns the case to a team member chosen by name', async () => {
    const before = (await getCase(caseIds.coupon)).case.assigneeId;
    const { memberId } = await anotherMember(caseIds.coupon);
    await openCase(caseIds.coupon);

    await page.getByLabel('Owner').selectOption({ label: nameOf(memberId) });
    await page.getByRole('button', { name: 'Reassign' }).click();

    await textOf(page.getByRole('status')).toBe(`Reassigned to ${nameOf(memberId)}.`);
    await textOf(page.getByTestId('assignee')).toBe(nameOf(memberId));
    expect((await getCase(caseIds.coupon)).case.assigneeId).toBe(memberId);
    await textOf(page.locator('[data-testid="timeline"] li[data-type="assigned"] .handover').last()).toBe(
      `${nameOf(before)} → ${nameOf(memberId)}`,
    );
    // Picked for the next change: the select starts at the new owner.
    expect(await page.getByLabel('Owner').inputValue()).toBe(memberId);
  });

  it('reassigns with the keyboard alone: Tab to the owner, an arrow key, Tab and Enter', async () => {
    const { memberId, key } = await anotherMember(caseIds.wallet);
    await openCase(caseIds.wallet);

    const owner = page.getByLabel('Owner');
    for (let tabs = 0; tabs < 30 && !(await owner.evaluate((el) => el === document.activeElement)); tabs++) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press(key);
    await page.keyboard.press('Tab');
    expect(
      await page.getByRole('button', { name: 'Reassign' }).evaluate((el) => el === document.activeElement),
    ).toBe(true);
    await page.keyboard.press('Enter');

    await textOf(page.getByTestId('assignee')).toBe(nameOf(memberId));
    expect((await getCase(caseIds.wallet)).case.assigneeId).toBe(memberId);
  });

  it('says the case changed and reloads it when a colleague changed it after the page was opened', async () => {
    const { memberId } = await anotherMember(caseIds.points);
    await openCase(caseIds.points);
    const seen = Number(await page.getByTestId('version').innerText());
    await change(caseIds.points, 'notes', { text: 'Called the points team' });

    await page.getByLabel('Owner').selectOption(memberId);
    await page.getByRole('button', { name: 'Reassign' }).click();

    await textOf(page.getByRole('alert')).toContain('Someone else changed this case meanwhile');
    await textOf(page.getByTestId('version')).toBe(String(seen + 1));
    await textOf(page.locator('[data-testid="timeline"] li[data-type="note"]')).toContain(
      'Called the points team',
    );
    expect((await getCase(caseIds.points)).case.assigneeId).not.toBe(memberId);
  });

  it('labels the case view in Japanese', async () => {
    await openCase(caseIds.coupon);
    await screenshotForDocs('console-case-en');
    await page.getByRole('button', { name: 'Switch the console to Japanese' }).click();
    const backToEnglish = page.getByRole('button', { name: 'コンソールを英語に切り替える' });
    try {
      await textOf(page.locator('main section.card h2').first()).toBe('お客様の声');
      await textOf(page.locator('#conversation-title')).toBe('お客様とのやりとり');
      await textOf(page.locator('#internal-title')).toBe('社内の記録');
      await textOf(page.getByRole('button', { name: '担当を変更' })).toBe('担当を変更');
      await textOf(page.getByTestId('last-told')).toMatch(
        /^お客様への最終連絡: 2026.+ 経過のお知らせ「We found the cause/,
      );
      await screenshotForDocs('console-case-ja');
    } finally {
      if (await backToEnglish.count()) await backToEnglish.click();
    }
  });
});

/** The docs' screenshots, only when asked for (CLOSELOOP_SCREENSHOTS=1). */
async function screenshotForDocs(name: string): Promise<void> {
  if (process.env.CLOSELOOP_SCREENSHOTS !== '1') return;
  await mkdir('docs/screenshots', { recursive: true });
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}
