import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../shared/domain/time.ts';
import { contactLogPk, invitationKey } from '../../shared/repository/invitation-item.ts';
import { countItems, eventually, startTestStack } from '../support/local-stack.ts';

/**
 * Journey events to survey emails on the local stack: `POST /v1/events` through the real HTTP
 * front and DynamoDB Local, the minute sweep's invitation part, the outbox → relay → notify queue
 * (fauxqs) → SES local path, read back through /__local/outbox. The example config's rules and
 * its contact hours (09:00–20:00 Asia/Tokyo, every day) decide the times.
 */
let stack: LocalStack;
// Monday 2026-12-07 21:00 in Tokyo: after the contact hours close.
const start = new Date('2026-12-07T12:00:00.000Z');
beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(start), schedule: false });
});
afterAll(async () => {
  await stack?.stop();
});

let n = 0;
const nextId = () => `evt-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const address = (tag: string) => `invitee-${tag}-${n}@example.jp`;

function eventBody(over: Record<string, unknown> = {}, customer: Record<string, unknown> = {}) {
  return {
    siteId: 'shop-jp',
    eventId: nextId(),
    type: 'purchase_completed',
    occurredAt: stack.clock.now().toISOString(),
    customer: { email: address('buyer'), contactConsent: true, locale: 'ja', ...customer },
    data: { orderId: `order-${n}` },
    ...over,
  };
}

async function postEvent(
  body: unknown,
  headers: Record<string, string> = { 'x-server-key': 'sv_local_shop-jp' },
) {
  const res = await fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as EventAnswer };
}

interface EventAnswer {
  eventId: string;
  status: string;
  error?: string;
  issues?: { path: string; message: string }[];
  invitation: {
    invitationId: string;
    status: string;
    sendAt: string;
    closesAt: string;
    surveyUrl: string;
    qrSvgUrl: string;
  };
}

interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
}
const mailsTo = async (email: string) =>
  ((await (await fetch(`${stack.url}/__local/outbox`)).json()) as OutboxMail[]).filter((m) =>
    m.to.includes(email),
  );

async function invitationOf(invitationId: string) {
  const { Item } = await stack.db.send(
    new GetCommand({ TableName: stack.tableName, Key: invitationKey(invitationId), ConsistentRead: true }),
  );
  return Item as Record<string, string>;
}

/** Moves the local clock to `at` and runs the invitation sweep there, as the minute job would. */
async function sweepAt(at: Date) {
  stack.clock.advance(at.getTime() - stack.clock.now().getTime());
  return stack.sweepInvitations(stack.clock.now());
}

describe('POST /v1/events', () => {
  it('answers 403 to the public site key: journey events come from the shop backend only', async () => {
    const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
    const { status, body } = await postEvent(eventBody(), {
      'x-site-key': site.siteKey,
      origin: site.origins[0]!,
    });
    expect(status).toBe(403);
    expect(body.error).toBe('wrong_key_kind');
  });

  it('answers 202 with the scheduled invitation, its survey link and QR code', async () => {
    const event = eventBody();
    const { status, body } = await postEvent(event);
    expect(status).toBe(202);
    expect(body).toMatchObject({ eventId: event.eventId, status: 'recorded' });
    expect(body.invitation.status).toBe('scheduled');
    expect(body.invitation.surveyUrl).toMatch(new RegExp(`^${stack.url}/s/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    expect(body.invitation.qrSvgUrl).toBe(`${body.invitation.surveyUrl}/qr.svg`);
  });

  it('answers the same to the same event again and stores nothing more', async () => {
    const event = eventBody();
    const first = await postEvent(event);
    const before = await countItems(stack, 'invitation');
    const again = await postEvent(event);
    expect(again).toEqual(first);
    expect(await countItems(stack, 'invitation')).toBe(before);
  });

  it('answers 409 when the eventId is reused with another body', async () => {
    const event = eventBody();
    await postEvent(event);
    const { status, body } = await postEvent({ ...event, data: { orderId: 'another-order' } });
    expect(status).toBe(409);
    expect(body.error).toBe('idempotency_conflict');
  });

  it('answers 400 naming each problem and stores nothing', async () => {
    const before = await countItems(stack, 'journeyEvent');
    const future = new Date(stack.clock.now().getTime() + 10 * MINUTE_MS).toISOString();
    const { status, body } = await postEvent({
      siteId: 'shop-jp',
      eventId: nextId(),
      type: 'order_shipped',
      occurredAt: future,
      customer: { contactConsent: true },
    });
    expect(status).toBe(400);
    const paths = (body.issues as { path: string; message: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['type', 'occurredAt', 'customer']));
    const missingEmail = await postEvent(eventBody({}, { email: undefined, id: 'cust-1' }));
    expect(missingEmail.status).toBe(400);
    expect(missingEmail.body.issues).toEqual([
      expect.objectContaining({ path: 'customer.email', message: expect.stringContaining('post-purchase') }),
    ]);
    expect(await countItems(stack, 'journeyEvent')).toBe(before);
  });

  it('answers 413 to a body over 16 KB', async () => {
    const { status } = await postEvent({ ...eventBody(), padding: 'x'.repeat(17 * 1024) });
    expect(status).toBe(413);
  });
});

describe('invitation timing in the contact hours (09:00–20:00 Tokyo)', () => {
  // The event happened at 21:00 in Tokyo; each delay lands at night, so the email waits until 09:00.
  const nineAmTokyo = (day: string) => `${day}T00:00:00.000Z`;
  it.each([
    ['account_created', '2026-12-08', 'at once'],
    ['support_chat_closed', '2026-12-08', 'after 1 h'],
    ['order_delivered', '2026-12-10', 'after 2 days'],
    ['purchase_completed', '2026-12-22', 'after 14 days'],
  ])('schedules %s for the next opening on %s (%s)', async (type, day) => {
    const { body } = await postEvent(eventBody({ type, occurredAt: start.toISOString() }));
    expect(body.invitation.sendAt).toBe(nineAmTokyo(day));
  });

  it("reads the contact hours in the customer's own zone", async () => {
    // 12:00 UTC is 13:00 in Paris: open, so the welcome email goes at once.
    const { body } = await postEvent(
      eventBody({ type: 'account_created', occurredAt: start.toISOString() }, { timeZone: 'Europe/Paris' }),
    );
    expect(body.invitation.sendAt).toBe(start.toISOString());
  });

  it('skips at once, with its reason, an emailing rule for a customer without consent', async () => {
    const { body } = await postEvent(eventBody({}, { contactConsent: false }));
    expect(body.invitation).toMatchObject({ status: 'skipped', skipReason: 'no_consent' });
  });

  it('counts a cancellation with reasons as a churn answer of its own', async () => {
    const event = eventBody({ type: 'subscription_cancelled', data: { reasons: ['price_too_high'] } });
    await postEvent(event);
    const feedback = await eventually(async () => {
      const count = await countItems(stack, 'triaged');
      expect(count).toBeGreaterThan(0);
      return count;
    });
    expect(feedback).toBeGreaterThan(0);
  });
});

describe('the sweep sends each invitation once, reminds once, and keeps the contact limits', () => {
  it('emails the invitation at its time, once, with the survey link, then one reminder', async () => {
    const email = address('once');
    const { body } = await postEvent(eventBody({ type: 'order_delivered' }, { email }));
    const { invitationId } = body.invitation;
    const sendAt = new Date(body.invitation.sendAt);
    await sweepAt(new Date(sendAt.getTime() - MINUTE_MS));
    expect((await invitationOf(invitationId)).status).toBe('scheduled');
    await sweepAt(sendAt);
    expect((await invitationOf(invitationId)).status).toBe('sent');
    await sweepAt(new Date(sendAt.getTime() + MINUTE_MS));
    const mail = (await eventually(async () => {
      const mails = await mailsTo(email);
      expect(mails).toHaveLength(1);
      return mails[0];
    }))!;
    expect(mail.subject).toContain('アンケート');
    expect(mail.text).toContain(body.invitation.surveyUrl);

    await sweepAt(new Date(sendAt.getTime() + 3 * DAY_MS));
    await eventually(async () => expect(await mailsTo(email)).toHaveLength(2));
    await sweepAt(new Date(sendAt.getTime() + 4 * DAY_MS));
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsTo(email)).toHaveLength(2);
    expect((await invitationOf(body.invitation.invitationId)).remindedAt).toBeDefined();
  });

  it('closes an unanswered survey and holds the next invitation for 30 days (ignored)', async () => {
    const email = address('ignored');
    const first = await postEvent(eventBody({ type: 'support_chat_closed' }, { email }));
    const sendAt = new Date(first.body.invitation.sendAt);
    await sweepAt(sendAt);
    const closesAt = new Date(first.body.invitation.closesAt);
    expect((await sweepAt(closesAt)).expired).toBeGreaterThanOrEqual(1);
    expect((await invitationOf(first.body.invitation.invitationId)).status).toBe('expired');

    const second = await postEvent(
      eventBody({ type: 'support_chat_closed', occurredAt: stack.clock.now().toISOString() }, { email }),
    );
    await sweepAt(new Date(second.body.invitation.sendAt));
    const skipped = await invitationOf(second.body.invitation.invitationId);
    expect(skipped).toMatchObject({ status: 'skipped', skipReason: 'ignored_recently' });
  });

  it('sends at most two invitations in 30 days to one customer, and logs the third as skipped', async () => {
    const email = address('max');
    const ids: string[] = [];
    for (const type of ['account_created', 'order_delivered', 'support_chat_closed']) {
      const { body } = await postEvent(
        eventBody({ type, occurredAt: stack.clock.now().toISOString() }, { email }),
      );
      ids.push(body.invitation.invitationId);
    }
    await sweepAt(new Date(stack.clock.now().getTime() + 3 * DAY_MS - HOUR_MS));
    const statuses = await Promise.all(ids.map(async (id) => (await invitationOf(id)).status));
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(2);
    const third = await invitationOf(ids.find((_, i) => statuses[i] === 'skipped')!);
    expect(third.skipReason).toBe('max_per_30_days');
    const log = await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': contactLogPk(third.contactKey as string) },
      }),
    );
    expect(log.Items?.map((i) => i.what)).toEqual(expect.arrayContaining(['invited', 'skipped']));
  });

  it('never emails an address on the suppression list', async () => {
    const email = address('suppressed');
    await stack.db.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: {
          pk: `SUPPRESS#${email}`,
          sk: 'SUPPRESS',
          type: 'suppression',
          email,
          reason: 'bounce',
          at: start.toISOString(),
        },
      }),
    );
    const { body } = await postEvent(
      eventBody({ type: 'account_created', occurredAt: stack.clock.now().toISOString() }, { email }),
    );
    await sweepAt(new Date(Math.max(Date.parse(body.invitation.sendAt), stack.clock.now().getTime())));
    expect(await invitationOf(body.invitation.invitationId)).toMatchObject({
      status: 'skipped',
      skipReason: 'suppressed',
    });
    expect(await mailsTo(email)).toHaveLength(0);
  });
});

describe('erasure', () => {
  it("removes the customer's journey events, invitations and contact log, and their survey link answers 404", async () => {
    const email = address('erased');
    const { body } = await postEvent(eventBody({ type: 'order_delivered' }, { email }));
    const { invitationId, surveyUrl } = body.invitation;
    const contactKey = (await invitationOf(invitationId)).contactKey as string;
    const { token } = (await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string };

    const erased = await fetch(`${stack.url}/v1/customers?email=${encodeURIComponent(email)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });

    expect(erased.status).toBe(200);
    expect(await invitationOf(invitationId)).toBeUndefined();
    const log = await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': contactLogPk(contactKey) },
      }),
    );
    expect(log.Items).toEqual([]);
    const scan = await stack.db.send(
      new ScanCommand({
        TableName: stack.tableName,
        FilterExpression: 'contains(#c.#e, :email)',
        ExpressionAttributeNames: { '#c': 'customer', '#e': 'email' },
        ExpressionAttributeValues: { ':email': email },
      }),
    );
    expect(scan.Items).toEqual([]);
    expect((await fetch(surveyUrl)).status).toBe(404);
  });
});

describe('response figures', () => {
  const admin = async () =>
    ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string }).token;
  async function deliveryFigures(day: string) {
    const res = await fetch(`${stack.url}/v1/metrics?groupBy=touchpoint&from=${day}&to=${day}`, {
      headers: { authorization: `Bearer ${await admin()}` },
    });
    expect(res.status).toBe(200);
    const { groups } = (await res.json()) as { groups: Record<string, number | string | null>[] };
    return groups.find((g) => g.key === 'delivery') ?? { invited: 0, opened: 0, answered: 0 };
  }

  it('counts invited, opened and answered per touchpoint and week, each once', async () => {
    const email = address('figures');
    const { body } = await postEvent(
      eventBody({ type: 'order_delivered', occurredAt: stack.clock.now().toISOString() }, { email }),
    );
    const sendAt = new Date(body.invitation.sendAt);
    const day = body.invitation.sendAt.slice(0, 10);
    const before = await deliveryFigures(day);
    await sweepAt(sendAt);
    await fetch(body.invitation.surveyUrl);
    await fetch(body.invitation.surveyUrl);
    const answer = await fetch(body.invitation.surveyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'score=5',
    });
    expect(answer.status).toBe(200);

    const after = await deliveryFigures(day);
    expect(Number(after.invited) - Number(before.invited)).toBe(1);
    expect(Number(after.opened) - Number(before.opened)).toBe(1);
    expect(Number(after.answered) - Number(before.answered)).toBe(1);
    expect(after.responseRate).toBe(Number(after.answered) / Number(after.invited));
  });
});

describe('POST /v1/impressions', () => {
  const site = () => stack.sites.find((s) => s.siteId === 'shop-jp')!;
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}/v1/impressions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-site-key': site().siteKey,
        origin: site().origins[0]!,
        ...headers,
      },
      body: JSON.stringify(body),
    });
  async function figures(touchpoint: string) {
    const day = stack.clock.now().toISOString().slice(0, 10);
    const token = ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string })
      .token;
    const res = await fetch(`${stack.url}/v1/metrics?groupBy=touchpoint&from=${day}&to=${day}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { groups } = (await res.json()) as { groups: Record<string, number | string | null>[] };
    return groups.find((g) => g.key === touchpoint);
  }

  it('counts prompts shown per touchpoint, and the widget answers against them', async () => {
    // A site touchpoint no invitation rule asks on, so only this test counts there.
    const touchpoint = 'product_use';
    expect(await figures(touchpoint)).toBeUndefined();
    const counted = await post({ siteId: 'shop-jp', impressions: [{ touchpoint, count: 4 }] });
    expect(counted.status).toBe(202);
    expect(await counted.json()).toEqual({ status: 'counted', counted: 4 });
    const answer = await fetch(`${stack.url}/v1/feedback`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-site-key': site().siteKey,
        origin: site().origins[0]!,
      },
      body: JSON.stringify({
        siteId: 'shop-jp',
        touchpoint,
        channel: 'web',
        rating: { type: 'nps', score: 9 },
      }),
    });
    expect(answer.status).toBe(202);

    const group = await eventually(async () => {
      const g = await figures(touchpoint);
      expect(g?.responses).toBe(1);
      return g!;
    });
    expect(group.prompted).toBe(4);
    expect(group.promptResponseRate).toBe(0.25);
  });

  it('answers 400 naming each bad entry, and counts nothing', async () => {
    const touchpoint = `prompt_${n++}`;
    const res = await post({
      siteId: 'shop-jp',
      impressions: [{ touchpoint, count: 0 }, { touchpoint: 'Bad' }],
    });
    expect(res.status).toBe(400);
    const { issues } = (await res.json()) as { issues: { path: string }[] };
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['impressions[0].count', 'impressions[1].touchpoint', 'impressions[1].count']),
    );
    expect(await figures(touchpoint)).toBeUndefined();
  });

  it('answers 403 to a site key without an allowed origin', async () => {
    const res = await post(
      { siteId: 'shop-jp', impressions: [{ touchpoint: 'delivery', count: 1 }] },
      { origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
  });
});

describe('a body without a site id', () => {
  it.each([
    ['/v1/events', { 'x-server-key': 'sv_local_shop-jp' }],
    ['/v1/impressions', { 'x-site-key': 'sk_local_shop-jp', origin: 'https://shop.example.jp' }],
  ])('answers 400 naming siteId on %s, not 401', async (path, headers) => {
    const res = await fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ impressions: [] }),
    });
    expect(res.status).toBe(400);
    const { issues } = (await res.json()) as { issues: { path: string }[] };
    expect(issues.map((i) => i.path)).toContain('siteId');
  });
});
