import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import {
  answerSurvey,
  eventually,
  exampleConfig,
  postFeedback,
  postImpressions,
  signUpInvited,
  startTestStack,
} from '../support/local-stack.ts';

/**
 * The staff console in Chromium against the local stack. The stack's clock starts on Wednesday
 * 2026-11-18 09:00 JST (a business day on the teams' Tokyo calendar) and moves only when a test
 * says so, so deadlines and countdowns are the same on every run. The data is what a shop sees on a
 * busy morning: detractors and unhappy CSAT answers that opened cases in several teams, promoters
 * and happy answers that did not, one critical case left unacknowledged past its deadline. Two
 * sign-ups got a survey invitation (one answered it) and the checkout widget showed its prompt 40
 * times.
 */
const T0 = new Date('2026-11-18T00:00:00.000Z');

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Every CSP violation the page reported (its own event, and Chromium's console message). */
const cspViolations: string[] = [];
const pageErrors: string[] = [];

type Feedback = Record<string, unknown>;
const customer = (email: string, name: string, locale: 'ja' | 'en') => ({
  customer: { email, name, locale, contactConsent: true },
});

/** Feedback that opens a case (detractors, negative CSAT); keyed for the tests below. */
const caseFeedback = {
  charged: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 1 },
    comment: 'カードで二重請求されました。注文できない状態です。',
    reasons: ['payment_method_unavailable'],
    ...customer('hanako@example.jp', '山田 花子', 'ja'),
  },
  coupon: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 4 },
    comment: 'The coupon code was not applied at checkout, so I left.',
    reasons: ['coupon_not_applied'],
    ...customer('tom@example.com', 'Tom Baker', 'en'),
  },
  slot: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'csat', score: 2 },
    comment: 'お届け日時を指定できませんでした。',
    ...customer('ken@example.jp', '佐藤 健', 'ja'),
  },
  stock: {
    touchpoint: 'checkout_abandonment',
    rating: { type: 'nps', score: 5 },
    comment: 'Item went out of stock while I was paying.',
    reasons: ['out_of_stock'],
    ...customer('ana@example.com', 'Ana Silva', 'en'),
  },
  cancelled: {
    touchpoint: 'post_purchase',
    rating: { type: 'nps', score: 3 },
    comment: 'My order was cancelled as out of stock two days after I paid.',
    reasons: ['out_of_stock'],
    ...customer('mia@example.com', 'Mia Jones', 'en'),
  },
  backorder: {
    touchpoint: 'delivery',
    rating: { type: 'csat', score: 2 },
    comment: 'お取り寄せ商品の入荷予定が分かりません。',
    reasons: ['out_of_stock'],
    ...customer('taro@example.jp', '鈴木 太郎', 'ja'),
  },
  late: {
    touchpoint: 'delivery',
    rating: { type: 'nps', score: 2 },
    comment: 'Parcel arrived two days late and the box was damaged.',
    reasons: ['shipping_problem'],
    ...customer('lee@example.com', 'Lee Chan', 'en'),
  },
  signup: {
    touchpoint: 'account_creation',
    rating: { type: 'csat', score: 1 },
    comment: '確認メールが届きません。',
    ...customer('yuki@example.jp', '中村 由紀', 'ja'),
  },
  chat: {
    touchpoint: 'support_chat',
    rating: { type: 'csat', score: 2 },
    comment: 'The chat closed before my question was answered.',
    ...customer('sam@example.com', 'Sam Green', 'en'),
  },
} satisfies Record<string, Feedback>;

/** Feedback that opens no case but counts in the metrics (so every chart has bars). */
const happyFeedback: Feedback[] = [
  { touchpoint: 'delivery', rating: { type: 'nps', score: 9 } },
  { touchpoint: 'delivery', rating: { type: 'nps', score: 10 } },
  { touchpoint: 'delivery', rating: { type: 'csat', score: 4 } },
  { touchpoint: 'post_purchase', rating: { type: 'nps', score: 10 } },
  { touchpoint: 'post_purchase', rating: { type: 'nps', score: 8 } },
  { touchpoint: 'post_purchase', rating: { type: 'csat', score: 5 } },
  { touchpoint: 'product_use', rating: { type: 'nps', score: 9 } },
  { touchpoint: 'product_use', rating: { type: 'csat', score: 4 } },
  { touchpoint: 'support_chat', rating: { type: 'csat', score: 5 } },
  { touchpoint: 'support_chat', rating: { type: 'nps', score: 9 } },
  { touchpoint: 'account_creation', rating: { type: 'csat', score: 4 } },
  { touchpoint: 'account_creation', rating: { type: 'nps', score: 7 } },
  { touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 8 } },
  { touchpoint: 'checkout_abandonment', rating: { type: 'csat', score: 4 } },
];

const caseIds = {} as Record<keyof typeof caseFeedback, string>;

async function tokenFor(query: string): Promise<string> {
  const response = await fetch(`${stack.url}/__local/token?${query}`);
  return ((await response.json()) as { token: string }).token;
}

/** The staff API as another member would use it, behind the console's back. */
async function staffApi(method: string, path: string, body?: unknown, ifMatch?: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${await tokenFor('admin=1')}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch !== undefined) headers['if-match'] = String(ifMatch);
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as { case?: { version: number; status: string } },
  };
}

const caseVersion = async (caseId: string): Promise<number> =>
  (await staffApi('GET', `/v1/cases/${caseId}`)).body.case!.version;

/** Time passes on the stack's clock; then the SLA sweep runs once, as the next scheduled run would. */
async function later(minutes: number): Promise<void> {
  stack.clock.advance(minutes * 60_000);
  await stack.sweepSla(stack.clock.now());
}

async function send(feedback: Feedback, key: string): Promise<string> {
  const response = await postFeedback(
    stack,
    { siteId: 'shop-jp', channel: 'web', ...feedback },
    { 'idempotency-key': key },
  );
  expect(response.status).toBe(202);
  return ((await response.json()) as { feedbackId: string }).feedbackId;
}

async function open(keys: (keyof typeof caseFeedback)[]): Promise<void> {
  for (const key of keys) caseIds[key] = caseIdFor(await send(caseFeedback[key], `console-${key}`));
  await eventually(async () => {
    for (const key of keys) expect((await staffApi('GET', `/v1/cases/${caseIds[key]}`)).status).toBe(200);
  }, 30_000);
}

/** Survey invitations of the welcome rule (sent at once) to two sign-ups, the first answering. */
async function inviteSignUps(): Promise<void> {
  const surveyUrls: string[] = [];
  for (const n of [1, 2]) {
    surveyUrls.push(await signUpInvited(stack, `console-signup-${n}`, `signup-${n}@example.jp`));
  }
  expect((await stack.sweepInvitations(stack.clock.now())).sent).toBe(2);
  await answerSurvey(surveyUrls[0]!, 7);
}

async function seed(): Promise<void> {
  await open(['charged', 'coupon', 'stock', 'cancelled', 'backorder', 'late', 'signup', 'chat']);
  for (const [i, feedback] of happyFeedback.entries()) await send(feedback, `console-happy-${i}`);
  await inviteSignUps();
  const prompts = await postImpressions(stack, 'shop-jp', [
    { touchpoint: 'checkout_abandonment', count: 40 },
  ]);
  expect(prompts.status).toBe(202);
  // A morning's work: some acknowledged, one waiting on the customer, one resolved.
  for (const id of [caseIds.coupon, caseIds.backorder, caseIds.late, caseIds.chat, caseIds.stock]) {
    expect((await staffApi('POST', `/v1/cases/${id}/acknowledge`, {}, await caseVersion(id))).status).toBe(
      200,
    );
  }
  await staffApi(
    'POST',
    `/v1/cases/${caseIds.stock}/pause`,
    { reason: 'Asked which size she wants instead' },
    await caseVersion(caseIds.stock),
  );
  await staffApi(
    'POST',
    `/v1/cases/${caseIds.chat}/resolve`,
    {
      customerMessage: 'We have answered your question by email; sorry the chat closed.',
      rootCause: 'Chat sessions timed out after 5 minutes of agent silence',
      actions: { internal: ['Raise the chat timeout to 20 minutes'], external: [] },
    },
    await caseVersion(caseIds.chat),
  );
  // Two and a half hours pass: the critical double charge, never acknowledged, is now overdue.
  await later(150);
  // And a new one comes in, due in two hours.
  await open(['slot']);
}

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
  await seed();
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo',
  });
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy|CSP violation/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Signs in through the local roster as `memberId` (the console keeps the token for the tab). */
async function signInAs(memberId: string): Promise<void> {
  await page.goto(`${stack.url}/console/#/queue`);
  await page.locator(`button[data-member="${memberId}"]`).click();
  await page.getByTestId('member').waitFor();
}

/** Polls a locator's state until the assertion holds (playwright-core has no `expect` of its own). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const textOf = (l: Locator) =>
  poll(async () => ((await l.count()) ? (await l.first().innerText()).trim() : undefined));
const countOf = (l: Locator) => poll(() => l.count());
const attrOf = (l: Locator, name: string) =>
  poll(async () => ((await l.count()) ? l.first().getAttribute(name) : undefined));

const timelineEvents = (type: string) => page.locator(`[data-testid="timeline"] li[data-type="${type}"]`);

describe('staff console', () => {
  it('signs in with a local token and shows the team queue, overdue first, with live countdowns', async () => {
    await signInAs('tanaka');

    await textOf(page.getByTestId('member')).toBe('Signed in as 田中 誠');
    const rows = page.locator('table.queue tbody tr');
    // The active cases of the orders team (tanaka's): the other teams' cases are not listed.
    await countOf(rows).toBe(6);
    // Overdue first: the unacknowledged critical double charge, past its 2-hour deadline.
    await attrOf(rows.first(), 'data-case').toBe(caseIds.charged);
    await attrOf(rows.first().locator('.countdown'), 'class').toMatch(/\boverdue\b/);
    await textOf(rows.first().locator('.countdown')).toMatch(/^overdue 00:30:\d\d$/);
    // Then by the nearest deadline; the case waiting on the customer has none running and comes last.
    const deadlines = await rows
      .locator('time.countdown')
      .evaluateAll((els) => els.map((el) => Date.parse(el.getAttribute('datetime') ?? '')));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    await attrOf(rows.last(), 'data-case').toBe(caseIds.stock);
    await textOf(rows.last()).toContain('paused');
    // The countdown is live: its text changes as the seconds pass.
    const countdown = rows.nth(1).locator('.countdown');
    await textOf(countdown).toMatch(/ left$/);
    const before = await countdown.innerText();
    await textOf(countdown).not.toBe(before);
    await textOf(page.getByTestId('queue-summary')).toBe('6 cases, 1 overdue');
    await screenshot(page, 'console-queue');
  });

  it('shows team and owner by name in the queue and the case, and names the team in the filter', async () => {
    const orders = exampleConfig().teams.find((t) => t.id === 'orders')!;
    const nameOf = (memberId: string) => orders.members.find((m) => m.id === memberId)?.name;
    await page.goto(`${stack.url}/console/#/queue`);
    const first = page.locator('table.queue tbody tr').first();

    await attrOf(first.locator('td.owner'), 'data-member').toMatch(/^[a-z]+$/);
    const ownerId = (await first.locator('td.owner').getAttribute('data-member')) ?? '';
    await textOf(first.locator('td.owner')).toBe(nameOf(ownerId));
    await textOf(first.locator('td.team')).toBe(orders.name);
    await textOf(page.locator('select[name="team"] option[value="orders"]')).toBe(orders.name);

    await first.locator('a').first().click();
    await textOf(page.getByTestId('assignee')).toBe(nameOf(ownerId));
  });

  it('filters the queue by state with the API filter', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await page.getByLabel('State').selectOption('waiting_on_customer');
    await page.getByRole('button', { name: 'Apply filters' }).click();

    await poll(async () => page.url()).toMatch(/#\/queue\?status=waiting_on_customer$/);
    await countOf(page.locator('table.queue tbody tr')).toBe(1);
    await attrOf(page.locator('table.queue tbody tr'), 'data-case').toBe(caseIds.stock);
  });

  it('opens a case from the queue: feedback, customer language, deadlines and the timeline', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await page.locator(`tr[data-case="${caseIds.coupon}"] a`).click();

    await poll(async () => page.url()).toMatch(new RegExp(`#/cases/${caseIds.coupon}$`));
    await textOf(page.getByRole('heading', { level: 1 })).toMatch(/^Case /);
    await textOf(page.locator('blockquote.comment')).toBe(caseFeedback.coupon.comment);
    await textOf(page.getByTestId('rating')).toBe('NPS 4 / 10');
    await textOf(page.getByTestId('customer-locale')).toBe('en');
    await textOf(page.locator('.facts')).toContain('tom@example.com');
    await textOf(page.locator('.case-head .badge').first()).toBe('Acknowledged');
    // Acknowledged: the resolve-by deadline counts down.
    await textOf(page.locator('.facts .countdown')).toMatch(/ left$/);
    await countOf(timelineEvents('opened')).toBe(1);
    await countOf(timelineEvents('acknowledged')).toBe(1);
  });

  it('acknowledge, note, pause, resume and resolve each add their event to the timeline', async () => {
    await page.goto(`${stack.url}/console/#/cases/${caseIds.slot}`);
    await textOf(page.locator('.case-head .badge').first()).toBe('Open');

    await page
      .locator('form[data-action="acknowledge"]')
      .getByLabel('Note (optional)')
      .fill('Looking into the delivery slots');
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await countOf(timelineEvents('acknowledged')).toBe(1);
    await textOf(page.getByRole('status')).toBe('Done: Acknowledge.');
    await textOf(page.locator('.case-head .badge').first()).toBe('Acknowledged');

    await later(7);
    await page
      .getByLabel('Internal note')
      .fill('Slots for Hokkaido were hidden by a config change on 11/17.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await countOf(timelineEvents('note')).toBe(1);
    await textOf(timelineEvents('note')).toContain('Slots for Hokkaido');

    await later(12);
    await page.getByLabel('What are you waiting for? (optional)').fill('Asked for the postcode');
    await page.getByRole('button', { name: 'Pause: waiting on the customer' }).click();
    await countOf(timelineEvents('paused')).toBe(1);
    await textOf(page.locator('.case-head .badge').first()).toBe('Waiting on customer');
    await screenshot(page, 'console-case');

    await later(9);
    await page.getByRole('button', { name: 'Resume' }).click();
    await countOf(timelineEvents('resumed')).toBe(1);

    await page
      .getByLabel('Message to the customer')
      .fill('配送日時の指定が再びできるようになりました。ご不便をおかけしました。');
    await page
      .getByLabel('Root cause (internal)')
      .fill('A delivery-slot config change hid every slot for Hokkaido');
    await page
      .getByLabel('Internal actions (one per line)')
      .fill('Review slot config changes\nAdd a slot monitor');
    await page.getByRole('button', { name: 'Resolve' }).click();
    await countOf(timelineEvents('resolved')).toBe(1);
    await textOf(timelineEvents('resolved')).toContain('Add a slot monitor');
    await textOf(page.locator('.case-head .badge').first()).toBe('Resolved');
    const stored = await staffApi('GET', `/v1/cases/${caseIds.slot}`);
    expect(stored.body.case?.status).toBe('resolved');
  });

  it('shows a stale If-Match as a conflict and reloads the case', async () => {
    await page.goto(`${stack.url}/console/#/cases/${caseIds.coupon}`);
    await textOf(page.getByTestId('version')).toMatch(/^\d+$/);
    const seen = Number(await page.getByTestId('version').textContent());
    // A colleague adds a note while the page is open.
    const colleague = await staffApi(
      'POST',
      `/v1/cases/${caseIds.coupon}/notes`,
      { text: 'Called the carrier' },
      seen,
    );
    expect(colleague.status).toBe(200);

    await page.getByLabel('Internal note').fill('Refund the shipping fee');
    await page.getByRole('button', { name: 'Add note' }).click();

    await textOf(page.getByRole('alert')).toContain('Someone else changed this case meanwhile');
    await textOf(page.getByRole('alert')).toContain(`version ${seen + 1}`);
    // Reloaded: the colleague's note is there, ours was not written.
    await textOf(page.getByTestId('version')).toBe(String(seen + 1));
    await countOf(timelineEvents('note')).toBe(1);
    await textOf(timelineEvents('note')).toContain('Called the carrier');
  });

  it('switches every label to Japanese and back', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await page.getByRole('button', { name: 'Switch the console to Japanese' }).click();

    await textOf(page.getByRole('heading', { level: 1 })).toBe('キュー');
    await attrOf(page.locator('html'), 'lang').toBe('ja');
    await textOf(page.locator('table.queue tbody tr').first().locator('.countdown')).toMatch(/^超過 /);
    await screenshot(page, 'console-queue-ja');
    await page.getByRole('button', { name: 'コンソールを英語に切り替える' }).click();
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Queue');
  });

  it('draws NPS and CSAT by touchpoint and SLA attainment against the targets', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await page.getByRole('link', { name: 'Metrics' }).click();

    for (const id of ['chart-nps', 'chart-csat', 'chart-attainment']) {
      const canvas = page.locator(`canvas#${id}`);
      // Chart.js sized the canvas from its box (width/height attributes it sets when it draws).
      await attrOf(canvas, 'width').toMatch(/^[1-9]\d+$/);
    }
    const rows = page.locator('table.metrics tbody tr');
    await countOf(rows).toBe(6);
    // Delivery: one detractor and two promoters (NPS +33.3), a happy and an unhappy CSAT answer.
    const delivery = rows.filter({ hasText: 'Delivery' }).locator('td');
    await textOf(delivery.nth(0)).toBe('5');
    await textOf(delivery.nth(1)).toBe('33.3');
    await textOf(page.locator('table.metrics thead')).toContain('Target 60%');
    await textOf(page.locator('table.metrics thead')).toContain('Target 85%');
    await textOf(page.locator('table.metrics thead')).toContain('Target 95%');
    await screenshot(page, 'console-metrics');
  });

  it('shows invitations, prompts and their response rates per touchpoint, with — where nobody was asked', async () => {
    await page.goto(`${stack.url}/console/#/metrics`);

    const asks = page.locator('table.asks');
    await textOf(asks.locator('caption')).toBe('Survey invitations and widget prompts by Touchpoint');
    await textOf(asks.locator('thead')).toBe(
      'Touchpoint\tInvited\tOpened\tAnswered\tResponse rate\tPrompts shown\tPrompt response rate',
    );
    await countOf(asks.locator('tbody th[scope="row"]')).toBe(6);
    // Sign-ups: two invited, one opened and answered.
    const signUps = asks.locator('tbody tr', { hasText: 'Account creation' }).locator('td');
    await poll(() => signUps.allInnerTexts()).toEqual(['2', '1', '1', '50%', '0', '—']);
    // Checkout: 6 answers through the widget against 40 prompts shown; no invitations.
    const checkout = asks.locator('tbody tr', { hasText: 'Checkout abandonment' }).locator('td');
    await poll(() => checkout.allInnerTexts()).toEqual(['0', '0', '0', '—', '40', '15%']);
  });

  it('labels the invitation and prompt figures in Japanese', async () => {
    await page.goto(`${stack.url}/console/#/metrics`);
    await page.getByRole('button', { name: 'Switch the console to Japanese' }).click();
    const backToEnglish = page.getByRole('button', { name: 'コンソールを英語に切り替える' });
    try {
      await textOf(page.locator('table.asks caption')).toBe(
        'タッチポイント別 アンケート依頼とウィジェット表示',
      );
      await textOf(page.locator('table.asks thead')).toBe(
        'タッチポイント\t依頼数\t開封数\t依頼への回答\t回答率\tウィジェット表示数\t表示あたりの回答率',
      );
    } finally {
      // The choice is remembered: a failure here must not leave the later tests in Japanese.
      if (await backToEnglish.count()) await backToEnglish.click();
    }
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Metrics');
  });

  it('says the invitation and prompt figures are per touchpoint when grouping by another dimension', async () => {
    await page.goto(`${stack.url}/console/#/metrics?groupBy=team`);

    await countOf(page.locator('table.metrics tbody tr')).toBeGreaterThan(0);
    await textOf(page.locator('main')).toContain(
      'Survey invitations and widget prompts are counted per touchpoint: group by touchpoint to see them.',
    );
    await countOf(page.locator('table.asks')).toBe(0);
  });

  it('works from the keyboard: Tab reaches the navigation, focus is visible, Enter follows the link', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await page.reload(); // a fresh load: focus starts at the top of the page
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Queue');
    const focused = () => page.evaluate('document.activeElement?.textContent ?? ""');

    for (let i = 0; i < 10 && (await focused()) !== 'Problems'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('Problems');
    expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.press('Enter');

    await textOf(page.getByRole('heading', { level: 1 })).toBe('Problems');
    // Focus moved to the new page's heading, so a screen reader announces it.
    await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
  });

  /** Creates a problem from the problems page; the console opens its detail. */
  async function createProblem(title: string, description: string, customerMessage?: string) {
    await page.goto(`${stack.url}/console/#/problems`);
    await page.getByText('New problem').click();
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('What is wrong (internal; becomes the root cause)').fill(description);
    if (customerMessage)
      await page.getByLabel('Message to every linked customer (optional)').fill(customerMessage);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await textOf(page.getByRole('heading', { level: 1 })).toBe(title);
  }

  const problemRow = (title: string) => page.locator('table.problems tbody tr', { hasText: title });

  it('creates a problem, links a case to it, and resolving the problem resolves the case', async () => {
    await createProblem(
      'Card payments charged twice',
      'The payment provider retried captures after a timeout',
      '二重に請求された金額は返金いたしました。ご迷惑をおかけしました。',
    );

    await poll(async () => page.url()).toMatch(/#\/problems\/prb_[\w-]+$/);
    await textOf(page.getByRole('status')).toBe('Problem created: Card payments charged twice');
    await textOf(page.locator('.problem-head .badge')).toBe('open');
    await textOf(page.getByTestId('linked-count')).toBe('Linked cases: 0');
    await page.locator(`form.link-cases label[data-case="${caseIds.charged}"] input`).check();
    await page.getByRole('button', { name: 'Link', exact: true }).click();
    await textOf(page.getByRole('status')).toBe(
      'Cases linked to "Card payments charged twice": 1 (already linked: 0).',
    );
    await textOf(page.getByTestId('linked-count')).toBe('Linked cases: 1');
    await attrOf(page.locator('.linked-cases li a'), 'href').toBe(`#/cases/${caseIds.charged}`);
    await page.getByRole('button', { name: 'Resolve problem and its cases' }).click();

    await textOf(page.getByRole('status')).toBe('Cases resolved: 1; already resolved or closed: 0.');
    await textOf(page.locator('.problem-head .badge')).toBe('resolved');
    const charged = await staffApi('GET', `/v1/cases/${caseIds.charged}`);
    expect(charged.body.case?.status).toBe('resolved');
  });

  it('lists a problem with no linked cases from the API, still there after signing in again', async () => {
    await createProblem('Loyalty points missing on receipts', 'Receipts print before the points are added');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await signInAs('tanaka');
    await page.goto(`${stack.url}/console/#/problems`);

    const row = problemRow('Loyalty points missing on receipts');
    await countOf(row).toBe(1);
    await textOf(row.getByTestId('case-count')).toBe('0');
    await textOf(row.locator('.badge')).toBe('open');
    // Open ones first: it comes before the resolved double charge.
    const titles = await page.locator('table.problems tbody th').allInnerTexts();
    expect(titles.indexOf('Loyalty points missing on receipts')).toBeLessThan(
      titles.indexOf('Card payments charged twice'),
    );
  });

  it("puts a problem on the site's known-issues page under its public title, never the internal one", async () => {
    await page.goto(`${stack.url}/console/#/problems`);
    await problemRow('Loyalty points missing on receipts').getByRole('link').first().click();
    const form = page.locator('form.public-problem');
    await form.getByLabel('Show it on the known-issues page').check();
    await form.getByLabel('Public title').fill('ポイントがレシートに反映されない');
    await form.getByLabel('Public message').fill('レシート印刷後にポイントが付与される不具合を調査中です。');
    await form.getByLabel('Sites').fill('shop-jp');

    await form.getByRole('button', { name: 'Save' }).click();

    await textOf(page.locator('.flash')).toContain('It is on the known-issues page.');
    const known = await (await fetch(`${stack.url}/known-issues/shop-jp?lang=ja`)).text();
    expect(known).toContain('ポイントがレシートに反映されない');
    expect(known).not.toContain('Loyalty points missing on receipts');
  });

  it('links two cases selected in the queue to a new problem in one action; resolved, it is under the resolved filter', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    await countOf(page.getByRole('checkbox', { name: /^Select case / })).toBeGreaterThan(1);
    await page.locator(`tr[data-case="${caseIds.coupon}"] td.select input`).check();
    await page.locator(`tr[data-case="${caseIds.stock}"] td.select input`).check();
    await textOf(page.getByTestId('selected-count')).toBe('2 selected');
    await page.getByLabel('Problem', { exact: true }).selectOption({ label: 'New problem…' });
    await page.getByLabel('Title').fill('Checkout drops coupons and stock');
    await page
      .getByLabel('What is wrong (internal; becomes the root cause)')
      .fill('The basket is recalculated without the coupon when stock changes');
    await page.getByRole('button', { name: 'Link to problem' }).click();

    await textOf(page.getByRole('status')).toContain(
      'Cases linked to "Checkout drops coupons and stock": 2 (already linked: 0).',
    );
    await page.getByRole('status').getByRole('link', { name: 'Checkout drops coupons and stock' }).click();
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Checkout drops coupons and stock');
    await textOf(page.getByTestId('linked-count')).toBe('Linked cases: 2');
    await countOf(page.locator('.linked-cases li')).toBe(2);
    await textOf(page.getByTestId('impact-verdict')).toBe('too early');
    await textOf(page.getByTestId('impact-explained')).toMatch(/^Still open/);

    await page.goto(`${stack.url}/console/#/problems?status=open`);
    const row = problemRow('Checkout drops coupons and stock');
    await textOf(row.getByTestId('case-count')).toBe('2');
    await textOf(row.getByTestId('customer-count')).toBe('2');
    await textOf(row).toContain('orders');
    await row.getByRole('link').click();
    await page.getByLabel('Message to the customer').fill('The coupon now stays on the basket. Sorry!');
    await page.getByRole('button', { name: 'Resolve problem and its cases' }).click();
    await textOf(page.getByRole('status')).toMatch(/^Cases resolved: /);
    await textOf(page.getByTestId('impact-explained')).toMatch(/^Too early to tell/);

    await page.getByRole('link', { name: '← Problems' }).click();
    await page
      .getByRole('navigation', { name: 'Show problems by state' })
      .getByRole('link', { name: 'Resolved' })
      .click();
    await poll(async () => page.url()).toMatch(/#\/problems\?status=resolved$/);
    await textOf(problemRow('Checkout drops coupons and stock').locator('.badge')).toBe('resolved');
    await countOf(problemRow('Loyalty points missing on receipts')).toBe(0);
    await screenshot(page, 'console-problems');
  });

  it('flags a resolved problem whose fix check found no change, and explains the verdict', async () => {
    // Three weeks pass with no feedback on the touchpoints; the minute job checks the fixes.
    await page.getByRole('button', { name: 'Sign out' }).click();
    stack.clock.advance(21 * 24 * 60 * 60_000);
    for (const job of stack.scheduled) await job(stack.clock.now());
    await signInAs('tanaka');

    await page.goto(`${stack.url}/console/#/problems?status=resolved`);
    const row = problemRow('Checkout drops coupons and stock');
    await attrOf(row, 'class').toBe('flagged');
    await textOf(row.getByTestId('flag')).toBe('⚑ Needs a look: no change');
    await row.getByRole('link').click();
    await textOf(page.getByTestId('impact-verdict')).toBe('no change');
    await textOf(page.getByTestId('impact-explained')).toMatch(/^No clear change/);
    await textOf(page.getByTestId('impact-p')).toBe('—');
    await screenshot(page, 'console-problem');
  });

  it('says so in the queue when the chosen problem was resolved meanwhile, and links nothing', async () => {
    await page.goto(`${stack.url}/console/#/queue`);
    const box = page.locator('td.select input:not([disabled])').first();
    const caseId = await box.getAttribute('value');
    await page
      .getByLabel('Problem', { exact: true })
      .selectOption({ label: 'Loyalty points missing on receipts (Linked cases: 0)' });
    // A colleague resolves that problem while the queue is open.
    const listed = (await staffApi('GET', '/v1/problems?status=open')).body as unknown as {
      items: { problem: { problemId: string; title: string } }[];
    };
    const loyalty = listed.items.find((i) => i.problem.title === 'Loyalty points missing on receipts');
    expect(
      (
        await staffApi('POST', `/v1/problems/${loyalty?.problem.problemId}/resolve`, {
          customerMessage: 'Fixed.',
        })
      ).status,
    ).toBe(200);

    await box.check();
    await page.getByRole('button', { name: 'Link to problem' }).click();

    await textOf(page.locator('form.link-bar [role="alert"]')).toBe(
      'The problem is resolved: reopen it before linking cases.',
    );
    const stored = await staffApi('GET', `/v1/cases/${caseId}`);
    expect((stored.body.case as { problemId?: string }).problemId).toBeUndefined();
  });

  it('labels the problems list in Japanese', async () => {
    await page.goto(`${stack.url}/console/#/problems`);
    await page.getByRole('button', { name: 'Switch the console to Japanese' }).click();
    const backToEnglish = page.getByRole('button', { name: 'コンソールを英語に切り替える' });
    try {
      await textOf(page.getByRole('heading', { level: 1 })).toBe('問題');
      await poll(() =>
        page.getByRole('navigation', { name: '状態で絞り込む' }).getByRole('link').allInnerTexts(),
      ).toEqual(['すべて', '未解決', '解決済み']);
      await textOf(page.locator('table.problems thead')).toBe(
        '問題\t状態\tチーム\tケース数\tお客様数\t作成\t解決\t効果の確認',
      );
      await textOf(problemRow('Checkout drops coupons and stock').getByTestId('flag')).toBe(
        '⚑ 要確認: 変化なし',
      );
    } finally {
      if (await backToEnglish.count()) await backToEnglish.click();
    }
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Problems');
  });

  it('reports no Content-Security-Policy violation and no script error on any screen', async () => {
    await page.goto(`${stack.url}/console/#/problems`);
    await textOf(page.getByRole('heading', { level: 1 })).toBe('Problems');

    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
