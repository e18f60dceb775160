import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoInvitationStore } from '../../shared/adapters/invitation-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { feedbackIdFor } from '../../shared/domain/feedback.ts';
import { contactKeyOf, type Invitation, surveyTokenOf } from '../../shared/domain/invitation.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { invitationKey } from '../../shared/repository/invitation-item.ts';
import { countItems, eventually, exampleConfig, startTestStack } from '../support/local-stack.ts';
import { decodeQrSvg } from '../support/qr.ts';

/**
 * The survey page on the local stack: invitations written through the real adapter, answers posted
 * over HTTP as a browser's form would, the feedback carried by the stream to triage, cases read back
 * through the staff API. The clock stands on a Tokyo business morning.
 */
const T0 = new Date('2026-11-18T01:00:00.000Z');
const REVIEW_URL = 'https://reviews.example.com/sakura-market';
let stack: LocalStack;
let seq = 0;

beforeAll(async () => {
  const config = exampleConfig();
  stack = await startTestStack({
    clock: new VirtualClock(T0),
    schedule: false,
    config: { ...config, invitations: { ...config.invitations, reviewUrls: { 'shop-jp': REVIEW_URL } } },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** A `sent` invitation for a new customer, stored as the sweep leaves it; answers its survey token. */
async function invite(over: Partial<Invitation> = {}): Promise<{ inv: Invitation; token: string }> {
  seq += 1;
  const customer = {
    email: `survey${seq}@example.jp`,
    name: `客 ${seq}`,
    locale: 'ja' as const,
    contactConsent: true,
  };
  const inv: Invitation = {
    invitationId: `inv_${String(seq).padStart(26, 'S')}`,
    siteId: 'shop-jp',
    eventId: `evt-${seq}`,
    eventType: 'order_delivered',
    ruleId: 'delivered',
    touchpoint: 'delivery',
    survey: { type: 'nps', reasons: ['shipping_problem', 'price_too_high'], comment: true },
    customer,
    contactKey: contactKeyOf('shop-jp', customer),
    orderId: `ORD-${1000 + seq}`,
    emailed: true,
    askWeek: '2026-W49',
    status: 'sent',
    createdAt: T0.toISOString(),
    sendAt: T0.toISOString(),
    sentAt: T0.toISOString(),
    closesAt: new Date(T0.getTime() + 14 * 86_400_000).toISOString(),
    version: 2,
    ...over,
  };
  const store = dynamoInvitationStore(
    stack.db,
    stack.tableName,
    stack.config.service.retentionDays,
    stack.clock,
  );
  expect(await store.apply({ invitation: inv, log: [] })).toBe(true);
  return { inv, token: surveyTokenOf(inv, stack.linkSecret) };
}

const page = (path: string) => fetch(`${stack.url}${path}`);
const answer = (path: string, form: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  return fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
};
const item = async (key: { pk: string; sk: string }) =>
  (await stack.db.send(new GetCommand({ TableName: stack.tableName, Key: key, ConsistentRead: true }))).Item;

async function adminToken(): Promise<string> {
  return ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string }).token;
}

describe('a personal survey link', () => {
  it('shows the form, then turns a detractor answer into feedback and a case carrying the orderId', async () => {
    const { inv, token } = await invite();
    const form = await page(`/s/${token}`);
    expect(form.status).toBe(200);
    expect(form.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await form.text()).toContain('当店を友人や同僚にすすめる可能性');
    expect((await item(invitationKey(inv.invitationId)))?.openedAt).toBe(T0.toISOString());

    const done = await answer(`/s/${token}`, {
      score: '3',
      reasons: 'shipping_problem',
      comment: '配達が遅れました',
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('ご回答ありがとうございました');

    const feedbackId = feedbackIdFor('shop-jp', `survey:${inv.invitationId}`);
    expect(await item(feedbackKey(feedbackId))).toMatchObject({
      channel: 'email',
      touchpoint: 'delivery',
      rating: { type: 'nps', score: 3 },
      customer: { email: inv.customer.email },
      context: { orderId: inv.orderId, invitationId: inv.invitationId },
    });
    expect(await item(invitationKey(inv.invitationId))).toMatchObject({ status: 'answered', feedbackId });

    const caseId = await eventually(async () => {
      const marker = await item({ pk: `FEEDBACK#${feedbackId}`, sk: 'TRIAGED' });
      expect(marker?.caseId).toEqual(expect.any(String));
      return marker?.caseId as string;
    }, 20_000);
    const detail = await fetch(`${stack.url}/v1/cases/${caseId}`, {
      headers: { authorization: `Bearer ${await adminToken()}` },
    });
    expect(detail.status).toBe(200);
    const body = (await detail.json()) as { case: { feedbackId: string }; feedback: { context: unknown } };
    expect(body.case.feedbackId).toBe(feedbackId);
    expect(body.feedback.context).toMatchObject({ orderId: inv.orderId });

    const again = await answer(`/s/${token}`, { score: '9' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('ご回答済みです');
    expect((await page(`/s/${token}`)).status).toBe(409);
  });

  it('answers 410 once closed, 403 when forged, 404 when malformed, and stores nothing', async () => {
    const before = await countItems(stack, 'feedback');
    const { token: closed } = await invite({ closesAt: new Date(T0.getTime() - 1000).toISOString() });
    const gone = await page(`/s/${closed}`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('回答期間が終了しました');
    expect((await answer(`/s/${closed}`, { score: '5' })).status).toBe(410);

    const { inv } = await invite();
    const forged = surveyTokenOf(inv, 'f'.repeat(43));
    expect((await page(`/s/${forged}`)).status).toBe(403);
    expect((await answer(`/s/${forged}`, { score: '5' })).status).toBe(403);
    expect((await page('/s/not-a-token')).status).toBe(404);
    expect(await countItems(stack, 'feedback')).toBe(before);
  });

  it('re-renders an out-of-range score as 400 naming it, storing nothing', async () => {
    const customer = { email: 'english@example.jp', locale: 'en' as const, contactConsent: false };
    const { inv, token } = await invite({ customer, contactKey: contactKeyOf('shop-jp', customer) });
    const before = await countItems(stack, 'feedback');
    const bad = await answer(`/s/${token}`, { score: '11', comment: 'fine' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Please choose a score from 0 to 10.');
    expect(html).toContain('>fine</textarea>');
    expect(await countItems(stack, 'feedback')).toBe(before);
    expect(await item(invitationKey(inv.invitationId))).toMatchObject({ status: 'sent' });
  });

  it("shows a promoter the site's review link", async () => {
    const { token } = await invite();
    const done = await answer(`/s/${token}`, { score: '10' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`href="${REVIEW_URL}"`);
  });

  it('serves a QR code that decodes to the survey URL; answers through it are channel qr', async () => {
    const { inv, token } = await invite();
    const qr = await page(`/s/${token}/qr.svg`);
    expect(qr.status).toBe(200);
    expect(qr.headers.get('content-type')).toBe('image/svg+xml');
    const url = decodeQrSvg(await qr.text());
    expect(url).toBe(`${stack.url}/s/${token}?via=qr`);
    const done = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'score=8',
    });
    expect(done.status).toBe(200);
    const stored = await item(feedbackKey(feedbackIdFor('shop-jp', `survey:${inv.invitationId}`)));
    expect(stored).toMatchObject({ channel: 'qr' });
  });
});

describe("a touchpoint's poster", () => {
  it('is made once by staff, decodes to an unsigned page whose answers are anonymous qr feedback', async () => {
    const path = '/v1/sites/shop-jp/touchpoints/support_chat/qr.svg';
    expect((await page(path)).status).toBe(401);
    const auth = { authorization: `Bearer ${await adminToken()}` };
    const first = await fetch(`${stack.url}${path}`, { headers: auth });
    expect(first.status).toBe(200);
    const svg = await first.text();
    expect(await (await fetch(`${stack.url}${path}`, { headers: auth })).text()).toBe(svg);
    const url = decodeQrSvg(svg)!;
    expect(url).toMatch(new RegExp(`^${stack.url}/s/p_[A-Za-z0-9_-]{22}\\?via=qr$`));

    const form = await fetch(url);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<html lang="ja">');
    const before = await countItems(stack, 'feedback');
    // Scores every survey type takes: the poster asks what the touchpoint's first rule asks.
    for (const score of ['2', '5']) {
      const done = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `score=${score}`,
      });
      expect(done.status).toBe(200);
    }
    expect(await countItems(stack, 'feedback')).toBe(before + 2);
  });
});
