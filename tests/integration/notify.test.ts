import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { Case } from '../../shared/domain/case.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { isForCustomer, type NoticeRequested } from '../../shared/events/notice-requested.ts';
import { queues } from '../../shared/queues.ts';
import { caseKey, casePk, toCaseItem } from '../../shared/repository/case-item.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';
import { actionTokens, customerNotice, sampleCase, staffNotice, staffTanaka } from '../support/notices.ts';

/**
 * Notices on the local stack: notice.requested messages on the real notify queue (fauxqs), the
 * notify handler behind the queue pump, mail into SES local, read back through /__local/outbox
 * (and SES local's own store for headers); signed links against GET/POST /v1/actions/{token}.
 */
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    clock: new VirtualClock(new Date('2026-11-18T01:00:00.000Z')),
    schedule: false,
  });
});
afterAll(async () => {
  await stack?.stop();
});

interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  at?: string;
}
interface StoredMail {
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  from: string;
  headers?: { name: string; value: string }[];
}

const outbox = async () => (await (await fetch(`${stack.url}/__local/outbox`)).json()) as OutboxMail[];
const store = async () =>
  ((await (await fetch(`${stack.endpoints.ses}/store`)).json()) as { emails: StoredMail[] }).emails;
const mailsAbout = async (caseId: string, to?: string) =>
  (await outbox()).filter((m) => m.subject.includes(caseId) && (to === undefined || m.to.includes(to)));

let n = 0;
async function seedFeedback(caseId: string, email: string) {
  const feedbackId = caseId.replace(/^case_/, 'fb_');
  await stack.db.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: {
        ...feedbackKey(feedbackId),
        type: 'feedback',
        feedbackId,
        customer: { email, contactConsent: true },
      },
    }),
  );
}

async function seedCase(over: Partial<Case> = {}): Promise<string> {
  const caseId = `case_notify_${++n}`;
  const now = stack.clock.now().toISOString();
  await stack.db.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: toCaseItem(
        sampleCase({ caseId, feedbackId: `fb_notify_${n}`, createdAt: now, updatedAt: now, ...over }),
      ),
    }),
  );
  return caseId;
}

const enqueue = (message: NoticeRequested) =>
  stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.queues[isForCustomer(message) ? 'customerNotices' : 'staffNotices'].url,
      MessageBody: JSON.stringify(message),
    }),
  );

const storedCase = async (caseId: string) =>
  (
    await stack.db.send(
      new GetCommand({ TableName: stack.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    )
  ).Item as Case;

async function timeline(caseId: string) {
  const { Items = [] } = await stack.db.send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
      ExpressionAttributeValues: { ':pk': casePk(caseId), ':event': 'EVENT#' },
      ConsistentRead: true,
    }),
  );
  return Items as { eventType: string; actor: string; via: string; data: Record<string, unknown> }[];
}

/** The one email about `caseId` to `to`, once it arrived. */
const oneMail = (caseId: string, to: string) =>
  eventually(async () => {
    const found = await mailsAbout(caseId, to);
    expect(found).toHaveLength(1);
    return found[0]!;
  }, 20_000);

/** The signed link of `act` in an email's text (links appear in the order of the template). */
function linkIn(mail: OutboxMail, index: number): string {
  const token = actionTokens(mail.text)[index];
  if (!token) throw new Error(`no link #${index} in: ${mail.text}`);
  return `${stack.url}/v1/actions/${token}`;
}
const confirm = (url: string, body = 'confirm=1') =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

describe('staff notices on the local stack', () => {
  it('email the assignee in their language, with the comment escaped and working links', async () => {
    const caseId = await seedCase();
    await enqueue(
      staffNotice(
        {
          data: {
            ...staffNotice().data,
            caseId,
            comment: '<script>alert(1)</script> 二重請求 <a href="https://evil.example">here</a>',
          },
        },
        caseId,
      ),
    );

    const mail = await oneMail(caseId, staffTanaka.email);

    expect(mail.subject).toBe(`[重大] 新しいケース ${caseId}（お支払い）`);
    expect(mail.text).toContain('田中 誠 さん');
    expect(mail.html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; 二重請求 &lt;a href=&quot;https://evil.example&quot;&gt;',
    );
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('href="https://evil.example"');
    expect(actionTokens(mail.text)).toHaveLength(3); // acknowledge, claim, open
    await eventually(async () =>
      expect((await timeline(caseId)).map((e) => [e.eventType, e.data.status])).toEqual([
        ['notice_sent', 'sent'],
      ]),
    );
  });

  it('acknowledge link: GET shows a confirm page and changes nothing; POST acknowledges once; reuse is refused', async () => {
    const caseId = await seedCase();
    await enqueue(staffNotice({ data: { ...staffNotice().data, caseId } }, caseId));
    const acknowledge = linkIn(await oneMail(caseId, staffTanaka.email), 0);

    const shown = await fetch(acknowledge);
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain('<form method="post">');
    expect(await storedCase(caseId)).toMatchObject({ status: 'open', version: 1 });

    const done = await confirm(acknowledge);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`ケース ${caseId} を確認済みにしました`);
    expect(await storedCase(caseId)).toMatchObject({ status: 'acknowledged', version: 2 });
    expect((await timeline(caseId)).filter((e) => e.eventType === 'acknowledged')).toEqual([
      expect.objectContaining({ actor: 'staff:tanaka', via: 'signed_link' }),
    ]);

    const reused = await confirm(acknowledge);
    expect(reused.status).toBe(409);
    expect(await reused.text()).toContain('このリンクは使用済みです');
    expect(await storedCase(caseId)).toMatchObject({ version: 2 });
  });

  it('refuses a forged link and an expired one with a clear page', async () => {
    const caseId = await seedCase();
    await enqueue(staffNotice({ data: { ...staffNotice().data, caseId } }, caseId));
    const acknowledge = linkIn(await oneMail(caseId, staffTanaka.email), 0);
    const [payload, signature] = acknowledge.split('/').at(-1)!.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), m: 'mallory' }),
    ).toString('base64url');

    const forged = await confirm(`${stack.url}/v1/actions/${forgedPayload}.${signature}`);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('リンクが無効です');

    stack.clock.advance(8 * 86_400_000); // acknowledge links live 7 days
    try {
      const expired = await confirm(acknowledge);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('有効期限が切れています');
    } finally {
      stack.clock.advance(-8 * 86_400_000);
    }
    expect(await storedCase(caseId)).toMatchObject({ status: 'open', version: 1 });
  });

  it('sends one email per notice when every message is delivered twice', async () => {
    const caseA = await seedCase();
    const caseB = await seedCase();
    const a = staffNotice({ data: { ...staffNotice().data, caseId: caseA } }, caseA);
    const b = customerNotice({ data: { ...customerNotice().data, caseId: caseB } }, caseB);

    await Promise.all([enqueue(a), enqueue(b), enqueue(a), enqueue(b)]);

    await eventually(async () => {
      for (const queue of ['notify', 'notify-customer']) {
        const depth = (await (await fetch(`${stack.url}/__local/queues/${queue}`)).json()) as Record<
          string,
          number
        >;
        expect(depth, queue).toMatchObject({ visible: 0, inFlight: 0, deadLettered: 0 });
      }
      expect((await timeline(caseA)).length + (await timeline(caseB)).length).toBe(2);
    }, 20_000);
    expect(await mailsAbout(caseA)).toHaveLength(1);
    expect(await mailsAbout(caseB)).toHaveLength(1);
  });
});

describe('the notify queues on the local stack', () => {
  it('are each read by as many consumers as AWS runs notify on them (maxConcurrency)', () => {
    for (const key of ['staffNotices', 'customerNotices'] as const) {
      const readers = stack.notifyPump.pumps.filter((p) => p.queueUrl === stack.queues[key].url);
      expect(readers).toHaveLength(queues[key].maxConcurrency);
    }
  });
});

describe('customer notices on the local stack', () => {
  it('carry an unsubscribe link and one-click headers; once unsubscribed, only staff mail flows', async () => {
    const address = 'unsubscriber@example.jp';
    const caseId = await seedCase();
    // The link names the case; the address it unsubscribes is the one on the case's feedback.
    await seedFeedback(caseId, address);
    const to = [{ email: address, name: '山田 花子', locale: 'en' }];
    await enqueue(customerNotice({ to, data: { ...customerNotice().data, caseId } }, caseId));

    const received = await oneMail(caseId, address);
    expect(received.subject).toBe(`We received your feedback (ref. ${caseId})`);
    expect(received.text).toContain('Dear 山田 花子,');
    const stored = (await store()).find((m) => m.subject === received.subject)!;
    const listUnsubscribe = stored.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
    expect(stored.headers?.find((h) => h.name === 'List-Unsubscribe-Post')?.value).toBe(
      'List-Unsubscribe=One-Click',
    );
    const unsubscribe = /^<(.+)>$/.exec(listUnsubscribe)?.[1];
    expect(unsubscribe).toBe(linkIn(received, 0));

    // RFC 8058: the mail client POSTs this body to the header's URL.
    const oneClick = await confirm(unsubscribe!, 'List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('You are unsubscribed');

    await enqueue(
      customerNotice(
        { kind: 'customer_progress', step: 'update:1', to, data: { caseId, message: 'We are on it.' } },
        caseId,
      ),
    );
    await enqueue(
      staffNotice(
        { to: [{ email: address, locale: 'en' }], data: { ...staffNotice().data, caseId } },
        caseId,
      ),
    );

    await eventually(async () => {
      const statuses = (await timeline(caseId)).map((e) => `${e.data.kind}:${e.data.status}`).sort();
      expect(statuses).toEqual([
        'customer_progress:suppressed',
        'customer_received:sent',
        'staff_new_critical:sent',
      ]);
    }, 20_000);
    const mails = await mailsAbout(caseId, address);
    expect(mails.map((m) => m.subject)).toEqual([
      received.subject,
      `[Critical] New case ${caseId} (Payment)`,
    ]);
  });

  it('follow-up survey: one click on an answer closes the resolved case; the other answers are then used', async () => {
    const address = 'survey@example.jp';
    const caseId = await seedCase({ status: 'resolved', version: 4 });
    await enqueue(
      customerNotice(
        {
          kind: 'customer_follow_up',
          step: 'follow_up',
          to: [{ email: address, locale: 'ja' }],
          data: { caseId, siteId: 'shop-jp', scale: 'one_to_five' },
        },
        caseId,
      ),
    );
    const survey = await oneMail(caseId, address);
    expect(actionTokens(survey.text)).toHaveLength(6); // 1–5, then unsubscribe
    const five = linkIn(survey, 4);
    const one = linkIn(survey, 0);

    expect((await fetch(five)).status).toBe(200);
    expect(await storedCase(caseId)).toMatchObject({ status: 'resolved', version: 4 });
    const answered = await confirm(five);
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('ご回答ありがとうございました');
    expect((await confirm(one)).status).toBe(409);

    expect(await storedCase(caseId)).toMatchObject({ status: 'closed', version: 5 });
    expect((await timeline(caseId)).map((e) => e.eventType)).toEqual(
      expect.arrayContaining(['notice_sent', 'verified', 'closed']),
    );
  });

  it('are not sent without contact consent', async () => {
    const caseId = await seedCase({ contactConsent: false });
    await enqueue(customerNotice({ data: { ...customerNotice().data, caseId } }, caseId));

    await eventually(async () =>
      expect((await timeline(caseId)).map((e) => e.data.status)).toEqual(['no_consent']),
    );
    expect(await mailsAbout(caseId)).toEqual([]);
  });
});

describe('the whole loop: feedback → triage → outbox → relay → notify', () => {
  it('tells the consenting customer and the team, hostile text escaped and no header injected', async () => {
    const customer = 'loop-customer@example.jp';
    const response = await postFeedback(
      stack,
      {
        siteId: 'shop-jp',
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        rating: { type: 'nps', score: 2 },
        comment: '<script>alert(1)</script> 支払いができません <a href="https://evil.example">x</a>',
        reasons: ['payment_method_unavailable'],
        customer: { email: customer, name: 'Eve\r\nBcc: x@evil.example', locale: 'ja', contactConsent: true },
      },
      { 'idempotency-key': 'notify-loop-1' },
      // The shop's backend vouches for its customer, so no double opt-in holds the notices.
      { key: 'server' },
    );
    expect(response.status).toBe(202);
    const caseId = caseIdFor(((await response.json()) as { feedbackId: string }).feedbackId);
    // Every mail names the case by its short reference; staff mails also carry the id.
    const { ref } = await eventually(async () => {
      const opened = await storedCase(caseId);
      expect(opened?.ref).toBeDefined();
      return opened as Case & { ref: string };
    });

    const toCustomer = await oneMail(ref, customer);
    const toInbox = await oneMail(ref, 'orders@shop.example.jp');

    expect(toCustomer.subject).toBe(`ご意見を受け付けました（受付番号 ${ref}）`);
    expect(toCustomer.text).toContain('Eve Bcc: x@evil.example 様');
    expect(toCustomer.text).not.toContain(caseId);
    expect(toInbox.subject).toBe(`[Critical] New case ${ref} (Payment)`); // an inbox has no locale: staff default
    expect(toInbox.text).toContain(caseId);
    expect(toInbox.html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; 支払いができません &lt;a href=&quot;',
    );
    expect(toInbox.html).not.toMatch(/<script>|href="https:\/\/evil/);
    const stored = (await store()).filter((m) => m.subject.includes(ref));
    for (const m of stored) {
      expect(m.destination.cc).toEqual([]);
      expect(m.destination.bcc).toEqual([]);
      expect(m.destination.to).toHaveLength(1);
      expect(JSON.stringify([m.subject, m.from, m.headers])).not.toMatch(/evil|\\r|\\n/);
    }
    const assignee = (await storedCase(caseId)).assigneeId;
    const member = stack.config.teams.find((t) => t.id === 'orders')!.members.find((m) => m.id === assignee)!;
    const toMember = await oneMail(ref, member.email);
    expect(toMember.subject).toBe(
      member.locale === 'ja'
        ? `[重大] 新しいケース ${ref}（お支払い）`
        : `[Critical] New case ${ref} (Payment)`,
    );
    expect(stored.map((m) => m.destination.to[0]).sort()).toEqual(
      [customer, member.email, 'orders@shop.example.jp'].sort(),
    );

    // The assignee acknowledges from the email; the case's SLA timer moves on to the resolve clock
    // in the same transaction, so the sweep has nothing to fire or retime.
    expect((await confirm(linkIn(toMember, 0))).status).toBe(200);
    expect(await storedCase(caseId)).toMatchObject({ status: 'acknowledged', dueStep: 'res:warn' });
    const sweep = await stack.sweepSla(stack.clock.now());
    expect(sweep.errors).toBe(0);
    expect(sweep.fired.filter((f) => f.caseId === caseId)).toEqual([]);
    expect((await storedCase(caseId)) as Case & { dueStep?: string }).toMatchObject({ dueStep: 'res:warn' });
  });
});
