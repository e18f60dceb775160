import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { confirmContact, releasedCopy } from '../../core/contacts/index.ts';
import { invitationNotice } from '../../core/invitations/index.ts';
import { makeNotifyHandler } from '../../functions/notify/handler.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoInvitationReader } from '../../shared/adapters/invitation-store.ts';
import {
  dynamoNoticeLedger,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
} from '../../shared/adapters/notice-store.ts';
import { sesMailer } from '../../shared/adapters/ses-mailer.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { contactRefOf } from '../../shared/domain/contact.ts';
import type { Invitation } from '../../shared/domain/invitation.ts';
import { verifyLink } from '../../shared/domain/signed-link.ts';
import { casePk, toCaseItem } from '../../shared/repository/case-item.ts';
import { invitationToItem } from '../../shared/repository/invitation-item.ts';
import { noticeKey, suppressionKey, unsubscribeKeyKey } from '../../shared/repository/notice-item.ts';
import { memoryBursts, memoryContacts } from '../support/contacts.ts';
import { FakeTable } from '../support/fake-table.ts';
import {
  actionTokens,
  customerNotice,
  linkSecret,
  sampleCase,
  sqsRecord,
  staffNotice,
  staffTanaka,
} from '../support/notices.ts';

const config = loadConfigFile('closeloop.config.example.json');
const ddbMock = mockClient(DynamoDBDocumentClient);
const sesMock = mockClient(SESv2Client);
const tableName = 'closeloop';

let table: FakeTable;
let clock: VirtualClock;
let contacts = memoryContacts();
let ids: number;

function handler(secret = async (): Promise<string> => linkSecret) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
  return makeNotifyHandler({
    config,
    publicBaseUrl: 'https://feedback.example.test/',
    linkSecret: secret,
    unsubscribeKeys: dynamoUnsubscribeKeys(db, tableName),
    ledger: dynamoNoticeLedger(db, tableName),
    suppression: dynamoSuppressionList(db, tableName),
    contacts,
    bursts: memoryBursts(),
    cases: dynamoCaseReader(db, tableName),
    invitations: dynamoInvitationReader(db, tableName),
    mailer: sesMailer(new SESv2Client({ region: 'local' }), { configurationSetName: 'closeloop-test' }),
    clock,
    newId: () => `00000000-0000-0000-0000-${String(++ids).padStart(12, '0')}`,
  });
}

/** The key the table holds for a case's unsubscribe links. */
const caseKey = (caseId: string) => table.get(unsubscribeKeyKey(caseId))?.key as string;

const sesError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from SES`), { name, $metadata: { httpStatusCode }, $fault: 'client' });

const sent = (): SendEmailCommandInput[] =>
  sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const timeline = (caseId = 'case_abc123') =>
  table.query(casePk(caseId)).filter((i) => String(i.sk).startsWith('EVENT#'));

beforeEach(() => {
  contacts = memoryContacts();
  ddbMock.reset();
  sesMock.reset();
  table = new FakeTable(ddbMock);
  table.put(toCaseItem(sampleCase()));
  clock = new VirtualClock(new Date('2026-11-20T01:00:00Z'));
  ids = 0;
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

describe('the notify handler', () => {
  it('sends a staff notice through SES and records notice_sent on the case timeline', async () => {
    const result = await handler()({ Records: [sqsRecord(staffNotice())] });

    expect(result.batchItemFailures).toEqual([]);
    const [mail] = sent();
    expect(mail?.Destination).toEqual({ ToAddresses: [staffTanaka.email] });
    expect(mail?.ConfigurationSetName).toBe('closeloop-test');
    expect(mail?.FromEmailAddress).toMatch(/^=\?UTF-8\?B\?.+\?= <feedback@shop\.example\.jp>$/);
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('[重大] 新しいケース case_abc123（お支払い）');
    expect(mail?.Content?.Simple?.Headers).toBeUndefined();
    const events = timeline();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'notice_sent',
      actor: 'system:notify',
      data: {
        noticeId: 'case_abc123:staff_new_critical:opened',
        status: 'sent',
        to: staffTanaka.email,
        messageId: 'ses-1',
      },
    });
  });

  it('settles a rung alert folded into the window digest as batched, on the ledger and the timeline', async () => {
    const notify = handler();
    const rung = (step: string) =>
      staffNotice({
        kind: 'staff_escalation',
        step,
        data: { ...staffNotice().data, clock: 'acknowledge', level: 'lead' },
      });

    await notify({ Records: [sqsRecord(rung('ack:lead'), 'm-1')] });
    const result = await notify({ Records: [sqsRecord(rung('r1:ack:lead'), 'm-2')] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    const folded = table.get(noticeKey(rung('r1:ack:lead').noticeId, staffTanaka.email));
    expect(folded).toMatchObject({ status: 'batched' });
    expect(timeline().map((e) => (e.data as { status: string }).status)).toEqual(['sent', 'batched']);
  });

  it('sends each notice at most once when SQS delivers the message twice', async () => {
    const notify = handler();
    const message = staffNotice();

    const first = await notify({ Records: [sqsRecord(message, 'm-1')] });
    const second = await notify({ Records: [sqsRecord(message, 'm-2')] });

    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(timeline()).toHaveLength(1);
  });

  it('retries recording a sent notice when the write fails, so notice_sent still reaches the timeline', async () => {
    table.transactFaults.push('throttled');

    const result = await handler()({ Records: [sqsRecord(staffNotice())] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(timeline()).toHaveLength(1);
  });

  it('takes a retry that meets its own applied write (the answer was lost) as recorded', async () => {
    table.transactFaults.push('answer_lost');

    const result = await handler()({ Records: [sqsRecord(staffNotice())] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(timeline()).toHaveLength(1);
    // The lost write, then one retry that finds the outcome there: no third try.
    expect(table.writes.filter((w) => w.command === 'TransactWrite')).toHaveLength(2);
  });

  it('on SES throttling releases the claim and fails the record, so the redelivery sends it', async () => {
    sesMock
      .on(SendEmailCommand)
      .rejectsOnce(sesError('TooManyRequestsException', 429))
      .resolves({ MessageId: 'ses-2' });
    const notify = handler();
    const message = staffNotice();

    const first = await notify({ Records: [sqsRecord(message, 'm-1')] });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(table.get(noticeKey(message.noticeId, staffTanaka.email))).toBeUndefined();

    const retry = await notify({ Records: [sqsRecord(message, 'm-1')] });
    expect(retry.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(2);
    expect(table.get(noticeKey(message.noticeId, staffTanaka.email))).toMatchObject({
      status: 'sent',
      messageId: 'ses-2',
    });
  });

  it('treats an SES 5xx like throttling: released and retried', async () => {
    sesMock.on(SendEmailCommand).rejects(sesError('InternalFailure', 500));

    const result = await handler()({ Records: [sqsRecord(staffNotice())] });

    expect(result.batchItemFailures).toHaveLength(1);
    expect(table.query('NOTICE#')).toEqual([]);
  });

  it('leaves the claim leased when SES never answers (a timeout): neither failed nor sent again', async () => {
    const timeout = Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
    sesMock.on(SendEmailCommand).rejectsOnce(timeout).resolves({ MessageId: 'ses-2' });
    const notify = handler();
    const message = staffNotice();

    const first = await notify({ Records: [sqsRecord(message, 'm-1')] });
    const redelivery = await notify({ Records: [sqsRecord(message, 'm-1')] });

    expect(first.batchItemFailures).toEqual([]);
    expect(redelivery.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(table.get(noticeKey(message.noticeId, staffTanaka.email))).toMatchObject({
      status: 'sending',
      leases: 1,
    });
    expect(timeline()).toEqual([]);
  });

  it('gives the whole batch back, sending nothing, while the link secret cannot be read', async () => {
    const unavailable = async (): Promise<string> => {
      throw new Error('Secrets Manager unavailable');
    };
    const records = [sqsRecord(staffNotice(), 'm-1'), sqsRecord(customerNotice(), 'm-2')];

    const result = await handler(unavailable)({ Records: records });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }]);
    expect(sent()).toEqual([]);
    expect(table.query('NOTICE#')).toEqual([]);
  });

  it('records a permanent SES refusal on the timeline and does not retry it', async () => {
    sesMock.on(SendEmailCommand).rejects(sesError('MessageRejected', 400));
    const notify = handler();
    const message = staffNotice();

    const first = await notify({ Records: [sqsRecord(message)] });
    const again = await notify({ Records: [sqsRecord(message)] });

    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    expect(table.get(noticeKey(message.noticeId, staffTanaka.email))).toMatchObject({ status: 'failed' });
    expect(timeline()[0]).toMatchObject({
      data: { status: 'failed', error: expect.stringContaining('MessageRejected') },
    });
  });

  it('keeps no address in the error of a refusal, where erasure would not find it', async () => {
    const refusal = Object.assign(sesError('MessageRejected', 400), {
      message: 'Email address is on the suppression list: <Hanako.Y+shop@example.jp>, also "b@x.jp"',
    });
    sesMock.on(SendEmailCommand).rejects(refusal);
    const message = staffNotice();

    await handler()({ Records: [sqsRecord(message)] });

    const claim = table.get(noticeKey(message.noticeId, staffTanaka.email));
    const error = timeline()[0]?.data as { error: string };
    expect(error.error).toBe(
      'MessageRejected: Email address is on the suppression list: <<address>>, also "<address>"',
    );
    expect(claim).toMatchObject({ status: 'failed', error: error.error });
  });

  it("sends no notice asked for before its case's customer data was erased, staff or customer (a DLQ redrive included)", async () => {
    const erasedAt = '2026-11-20T00:30:00.000Z';
    table.put(toCaseItem(sampleCase({ contactConsent: true, erasedAt })));
    const before = { requestedAt: '2026-11-20T00:10:00.000Z' };
    const critical = staffNotice(before);
    const received = customerNotice({ ...before, data: { ...customerNotice().data, contactConsent: true } });
    const later = staffNotice({ step: 'after-erasure', requestedAt: '2026-11-20T00:40:00.000Z' });

    const result = await handler()({
      Records: [sqsRecord(critical, 'a'), sqsRecord(received, 'b'), sqsRecord(later, 'c')],
    });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent().map((m) => m.Destination?.ToAddresses)).toEqual([[staffTanaka.email]]);
    expect(table.get(noticeKey(later.noticeId, staffTanaka.email))).toMatchObject({ status: 'sent' });
    expect(table.get(noticeKey(critical.noticeId, staffTanaka.email))).toMatchObject({ status: 'erased' });
  });

  it('fails a poison message alone and sends the rest of the batch', async () => {
    const result = await handler()({
      Records: [
        sqsRecord('{not json', 'poison-1'),
        sqsRecord({ type: 'notice.requested', version: 1, kind: 'nope' }, 'poison-2'),
        sqsRecord(staffNotice(), 'good'),
        sqsRecord(staffNotice({ kind: 'customer_progress', audience: 'customer', data: {} }), 'bad-data'),
      ],
    });

    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: 'poison-1' },
      { itemIdentifier: 'poison-2' },
      { itemIdentifier: 'bad-data' },
    ]);
    expect(sent()).toHaveLength(1);
  });

  it('sends no customer email without contact consent, and says so on the timeline', async () => {
    table.put(toCaseItem(sampleCase({ contactConsent: false })));

    const result = await handler()({ Records: [sqsRecord(customerNotice())] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toEqual([]);
    expect(timeline()[0]).toMatchObject({
      eventType: 'notice_sent',
      data: { status: 'no_consent', to: 'customer' },
    });
  });

  it('needs data.contactConsent when the notice names no stored case', async () => {
    const withoutCase = customerNotice({}, 'case_missing');
    const withConsent = customerNotice({ step: 'again' }, 'case_missing');
    withConsent.data.contactConsent = true;

    await handler()({ Records: [sqsRecord(withoutCase, 'a'), sqsRecord(withConsent, 'b')] });

    expect(sent().map((m) => m.Destination?.ToAddresses)).toEqual([['hanako@example.jp']]);
  });

  it('sends no customer email to a suppressed address, while staff mail to it still flows', async () => {
    table.put({ ...suppressionKey('Hanako@Example.jp'), type: 'suppression', email: 'hanako@example.jp' });
    const staffToSameAddress = staffNotice({ to: [{ email: 'hanako@example.jp', locale: 'en' }] });

    await handler()({ Records: [sqsRecord(customerNotice(), 'c'), sqsRecord(staffToSameAddress, 's')] });

    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.Content?.Simple?.Subject?.Data).toMatch(/^\[Critical\]/);
    expect(
      timeline()
        .map((e) => (e.data as { status: string }).status)
        .sort(),
    ).toEqual(['sent', 'suppressed']);
  });

  it('gives every customer email an unsubscribe link and RFC 8058 one-click headers', async () => {
    await handler()({ Records: [sqsRecord(customerNotice())] });

    const simple = sent()[0]?.Content?.Simple;
    const headers = simple?.Headers ?? [];
    expect(headers.map((h) => h.Name)).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
    expect(headers[1]?.Value).toBe('List-Unsubscribe=One-Click');
    const headerUrl = /^<(https:\/\/feedback\.example\.test\/v1\/actions\/[^>]+)>$/.exec(
      headers[0]?.Value ?? '',
    )?.[1];
    expect(headerUrl).toBeDefined();
    expect(simple?.Body?.Html?.Data).toContain(headerUrl);
    expect(simple?.Body?.Text?.Data).toContain(headerUrl);
    const token = actionTokens(headerUrl!)[0]!;
    expect(verifyLink(token, caseKey('case_abc123'), clock.now())).toMatchObject({
      status: 'ok',
      payload: { act: 'unsubscribe', caseId: 'case_abc123', locale: 'ja' },
    });
  });

  it('names the case, not the address, in an unsubscribe link, signed with the case key and not the link secret', async () => {
    await handler()({ Records: [sqsRecord(customerNotice())] });

    const token = actionTokens(sent()[0]?.Content?.Simple?.Headers?.[0]?.Value ?? '')[0]!;
    const decoded = Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8');
    for (const text of [token, decoded]) {
      expect(text).not.toContain('hanako@example.jp');
      expect(text).not.toContain(Buffer.from('hanako@example.jp').toString('base64url').slice(0, 16));
      expect(text).not.toContain(Buffer.from('hanako@example.jp').toString('base64').slice(0, 16));
    }
    expect(JSON.parse(decoded)).not.toHaveProperty('e');
    expect(verifyLink(token, linkSecret, clock.now())).toMatchObject({
      status: 'invalid',
      reason: 'signature',
    });
  });

  it('signs every unsubscribe link of a case with one key, made with its first customer email', async () => {
    const notify = handler();
    await notify({ Records: [sqsRecord(customerNotice())] });
    const key = caseKey('case_abc123');
    await notify({ Records: [sqsRecord(customerNotice({ step: 'received:again' }))] });

    const tokens = sent().map((m) => actionTokens(m.Content?.Simple?.Headers?.[0]?.Value ?? '')[0]!);
    expect(tokens).toHaveLength(2);
    expect(tokens.map((t) => verifyLink(t, key, clock.now()).status)).toEqual(['ok', 'ok']);
    expect(caseKey('case_abc123')).toBe(key);
  });

  it('keeps hostile text out of headers and escapes it in HTML', async () => {
    const hostile = staffNotice({
      to: [{ ...staffTanaka, name: 'Eve\r\nBcc: x@evil.example' }],
      data: {
        ...staffNotice().data,
        comment: '<script>alert(1)</script> <a href="https://evil.example">click</a>',
        customerName: 'Mallory\r\nBcc: x@evil.example',
      },
    });

    await handler()({ Records: [sqsRecord(hostile)] });

    const mail = sent()[0]!;
    expect(mail.Destination).toEqual({ ToAddresses: [staffTanaka.email] });
    expect(
      JSON.stringify([mail.FromEmailAddress, mail.Content?.Simple?.Subject, mail.Content?.Simple?.Headers]),
    ).not.toMatch(/\\r|\\n|evil|Bcc/);
    const html = mail.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<a href="https://evil.example">');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt;');
    expect(html).toContain('Mallory Bcc: x@evil.example');
    expect(mail.Content?.Simple?.Body?.Text?.Data).not.toMatch(/\r|\nBcc:/);
  });

  it('offers no acknowledge link on an escalation of a case that is acknowledged already', async () => {
    const escalation = staffNotice({
      kind: 'staff_escalation',
      step: 'res:manager',
      data: { ...staffNotice().data, status: 'acknowledged', clock: 'resolve', level: 'manager' },
    });

    await handler()({ Records: [sqsRecord(escalation)] });

    const acts = actionTokens(sent()[0]?.Content?.Simple?.Body?.Text?.Data ?? '').map((t) => {
      const v = verifyLink(t, linkSecret, clock.now());
      return v.status === 'ok' ? v.payload.act : v.status;
    });
    expect(acts).toEqual(['claim', 'open']);
  });

  it('signs acknowledge, claim and open links for a member, only an open link for the team inbox', async () => {
    const notice = staffNotice({ to: [staffTanaka, { email: 'orders@shop.example.jp' }] });

    await handler()({ Records: [sqsRecord(notice)] });

    const [member, inbox] = sent();
    const acts = (mail: SendEmailCommandInput | undefined) =>
      actionTokens(mail?.Content?.Simple?.Body?.Text?.Data ?? '').map((t) => {
        const v = verifyLink(t, linkSecret, clock.now());
        return v.status === 'ok' ? `${v.payload.act}:${v.payload.memberId ?? '-'}` : v.status;
      });
    expect(acts(member)).toEqual(['acknowledge:tanaka', 'claim:tanaka', 'open:tanaka']);
    expect(acts(inbox)).toEqual(['open:-']);
    expect(inbox?.Content?.Simple?.Subject?.Data).toMatch(/^\[Critical\]/); // no locale: staff get English
  });
});

describe('customer notices to an address the shop did not vouch for', () => {
  const unvouched = () => table.put(toCaseItem(sampleCase({ contactVouched: false })));
  const bodyOf = (mail: SendEmailCommandInput | undefined) =>
    `${mail?.Content?.Simple?.Subject?.Data}\n${mail?.Content?.Simple?.Body?.Text?.Data}\n${mail?.Content?.Simple?.Body?.Html?.Data}`;

  it('holds the notice and sends one customer_confirm of fixed text instead', async () => {
    unvouched();
    const hostile = customerNotice({
      to: [
        { email: 'victim+1@example.com', name: 'Account locked, visit http://evil.example', locale: 'en' },
      ],
    });

    const result = await handler()({ Records: [sqsRecord(hostile)] });

    expect(result.batchItemFailures).toEqual([]);
    const mails = sent();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.Destination).toEqual({ ToAddresses: ['victim+1@example.com'] });
    expect(mails[0]?.Content?.Simple?.Subject?.Data).toBe(
      'Please confirm your email address (Sakura Market オンラインストア)',
    );
    expect(bodyOf(mails[0])).not.toMatch(/Account locked|evil|case_abc123/);
    const [confirm, unsubscribe] = actionTokens(mails[0]?.Content?.Simple?.Body?.Text?.Data ?? '');
    expect(verifyLink(confirm!, linkSecret, clock.now())).toMatchObject({
      status: 'ok',
      payload: { act: 'confirm', locale: 'en' },
    });
    // The confirmation's unsubscribe link names the case whose notice asked for it.
    expect(verifyLink(unsubscribe!, caseKey('case_abc123'), clock.now())).toMatchObject({
      status: 'ok',
      payload: { act: 'unsubscribe', caseId: 'case_abc123' },
    });
    expect([...contacts.heldBy.values()].flat().map((h) => h.notice.noticeId)).toEqual([hostile.noticeId]);
  });

  it('sends no second confirmation to another plus-tag of the same address within a day', async () => {
    unvouched();
    const notify = handler();
    await notify({ Records: [sqsRecord(customerNotice({ to: [{ email: 'victim+1@example.com' }] }))] });
    await notify({
      Records: [sqsRecord(customerNotice({ to: [{ email: 'Victim+2@example.com' }] }, 'case_other'))],
    });

    expect(sent()).toHaveLength(1);
  });

  it('sends once the address is confirmed, without the display name the submitter typed', async () => {
    unvouched();
    await contacts.confirm(contactRefOf('shop-jp', 'hanako@example.jp'), clock.now(), 'link', []);

    await handler()({ Records: [sqsRecord(customerNotice())] });

    const mails = sent();
    expect(mails).toHaveLength(1);
    expect(mails[0]?.Content?.Simple?.Subject?.Data).toMatch(/ご意見を受け付けました/);
    expect(bodyOf(mails[0])).not.toContain('山田');
    expect(bodyOf(mails[0])).toContain('お客様へ');
  });

  it('sends the released copy once and nothing for a late redelivery of the held notice', async () => {
    unvouched();
    const notify = handler();
    const notice = customerNotice({ to: [{ email: 'late@example.com', locale: 'en' }] });
    await notify({ Records: [sqsRecord(notice)] });
    await confirmContact(contactRefOf('shop-jp', 'late@example.com'), { contacts, clock });
    const [copy] = contacts.released;

    await notify({ Records: [sqsRecord(notice)] }); // the queue delivers the held one again
    await notify({ Records: [sqsRecord(copy!)] });
    await notify({ Records: [sqsRecord(copy!)] });

    const subjects = sent().map((m) => m.Content?.Simple?.Subject?.Data);
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toMatch(/confirm your email address/);
    expect(copy!.noticeId).toBe(`${notice.noticeId}:released`);
  });

  it('drops a released received notice once the case is resolved (the resolution tells it)', async () => {
    table.put(toCaseItem(sampleCase({ contactVouched: false, status: 'resolved' })));
    await contacts.confirm(contactRefOf('shop-jp', 'hanako@example.jp'), clock.now(), 'link', []);
    const copy = releasedCopy(customerNotice());

    const result = await handler()({ Records: [sqsRecord(copy)] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it('greets by name when the shop vouched for the address', async () => {
    await handler()({ Records: [sqsRecord(customerNotice())] });

    expect(bodyOf(sent()[0])).toContain('山田 花子 様');
  });
});

describe("a case's unsubscribe key", () => {
  const keys = () =>
    dynamoUnsubscribeKeys(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })), tableName);
  const inAYear = () => Math.floor(clock.now().getTime() / 1000) + 366 * 86_400;

  it('is one key for deliveries that make it at the same time', async () => {
    const [a, b] = await Promise.all([
      keys().keyFor('case_race', clock.now(), inAYear()),
      keys().keyFor('case_race', clock.now(), inAYear()),
    ]);

    expect(a).toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(await keys().find('case_race')).toBe(a);
  });

  it('is kept two years, and renewed only when a new link would outlive it', async () => {
    const madeAt = Math.floor(clock.now().getTime() / 1000);
    const key = await keys().keyFor('case_old', clock.now(), inAYear());
    const madeUntil = table.get(unsubscribeKeyKey('case_old'))?.expiresAt as number;
    clock.advance(200 * 86_400_000);
    await keys().keyFor('case_old', clock.now(), inAYear());
    const untouched = table.get(unsubscribeKeyKey('case_old'))?.expiresAt;
    clock.advance(200 * 86_400_000);
    const later = await keys().keyFor('case_old', clock.now(), inAYear());

    expect(madeUntil - madeAt).toBe(730 * 86_400);
    expect(untouched).toBe(madeUntil);
    expect(later).toBe(key);
    expect(table.get(unsubscribeKeyKey('case_old'))?.expiresAt).toBeGreaterThan(inAYear());
  });
});

describe('survey invitation emails', () => {
  const invitation = (over: Partial<Invitation> = {}): Invitation => ({
    invitationId: 'inv_0001',
    siteId: 'shop-jp',
    eventId: 'evt-1',
    eventType: 'order_delivered',
    ruleId: 'delivered',
    touchpoint: 'delivery',
    survey: { type: 'csat', reasons: [], comment: true },
    customer: { email: 'hanako@example.jp', locale: 'ja', contactConsent: true },
    contactKey: 'shop-jp.abc',
    emailed: true,
    status: 'sent',
    createdAt: '2026-11-18T01:00:00.000Z',
    sentAt: '2026-11-20T01:00:00.000Z',
    askWeek: '2026-W47',
    version: 1,
    closesAt: '2026-12-04T01:00:00.000Z',
    ...over,
  });
  const emailOf = (inv: Invitation, step: 'invite' | 'remind' = 'invite') =>
    sqsRecord(invitationNotice(inv, step, clock.now(), config));

  it('sends the email of an invitation that waits for its answer', async () => {
    const inv = invitation();
    table.put(invitationToItem(inv, 400));

    await handler()({ Records: [emailOf(inv)] });

    expect(sent().map((m) => m.Destination?.ToAddresses)).toEqual([['hanako@example.jp']]);
  });

  it('drops an email still queued when the customer was erased (the invitation is gone)', async () => {
    const result = await handler()({ Records: [emailOf(invitation())] });

    expect(result.batchItemFailures).toEqual([]);
    expect(sent()).toEqual([]);
    expect(
      table.get(noticeKey('inv_0001:customer_survey_invitation:invite', 'hanako@example.jp')),
    ).toMatchObject({ status: 'erased' });
  });

  it('drops a reminder of a survey answered meanwhile', async () => {
    const inv = invitation({ status: 'answered', answeredAt: '2026-11-20T00:59:00.000Z' });
    table.put(invitationToItem(inv, 400));

    await handler()({ Records: [emailOf(inv, 'remind')] });

    expect(sent()).toEqual([]);
    expect(
      table.get(noticeKey('inv_0001:customer_survey_invitation:remind', 'hanako@example.jp')),
    ).toMatchObject({ status: 'superseded' });
  });
});
