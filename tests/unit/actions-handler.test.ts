import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { linkCaseActions } from '../../core/cases/link-actions.ts';
import { makeActionsHandler } from '../../functions/actions/handler.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import {
  dynamoCaseCustomers,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
  dynamoUsedTokens,
} from '../../shared/adapters/notice-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import { type LinkPayload, linkExpiry, signLink } from '../../shared/domain/signed-link.ts';
import { caseKey, casePk, toCaseItem } from '../../shared/repository/case-item.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { suppressionKey, tokenKey, unsubscribeKeyKey } from '../../shared/repository/notice-item.ts';
import { openCounterKey } from '../../shared/repository/team-item.ts';
import { memoryContacts } from '../support/contacts.ts';
import { FakeTable } from '../support/fake-table.ts';
import { httpEvent } from '../support/http-events.ts';
import { customerNotice, linkSecret, sampleCase } from '../support/notices.ts';

const ddbMock = mockClient(DynamoDBDocumentClient);
const tableName = 'closeloop';
const config = loadConfigFile('closeloop.config.example.json');
let table: FakeTable;
let clock: VirtualClock;
let contacts = memoryContacts();

function handler(
  linkSecrets: (opts?: { fresh?: boolean }) => Promise<string | readonly string[]> = async () => linkSecret,
) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
  return makeActionsHandler({
    linkSecrets,
    clock,
    actions: linkCaseActions({ cases: dynamoStaffCaseStore(db, tableName), clock, config }),
    cases: dynamoCaseReader(db, tableName),
    tokens: dynamoUsedTokens(db, tableName),
    suppression: dynamoSuppressionList(db, tableName),
    unsubscribeKeys: dynamoUnsubscribeKeys(db, tableName),
    customers: dynamoCaseCustomers(db, tableName),
    contacts,
  });
}

let jti = 0;
function token(over: Partial<LinkPayload> = {}, secret = linkSecret): string {
  const act = over.act ?? 'acknowledge';
  return signLink(
    {
      jti: `jti-${String(++jti).padStart(8, '0')}`,
      act,
      caseId: 'case_abc123',
      memberId: 'tanaka',
      exp: linkExpiry(act, clock.now()),
      ...over,
    },
    secret,
  );
}

function call(
  method: 'GET' | 'POST',
  t: string,
  body?: string,
  contentType = 'application/x-www-form-urlencoded',
  actions = handler(),
) {
  const path = `/v1/actions/${t}`;
  const event = httpEvent({ method, path, body, headers: body ? { 'content-type': contentType } : {} });
  return actions({ ...event, pathParameters: { token: t } });
}

const storedCase = () => table.get(caseKey('case_abc123'));
const events = () => table.query(casePk('case_abc123')).filter((i) => String(i.sk).startsWith('EVENT#'));

beforeEach(() => {
  contacts = memoryContacts();
  ddbMock.reset();
  table = new FakeTable(ddbMock);
  table.put(toCaseItem(sampleCase()));
  clock = new VirtualClock(new Date('2026-11-20T02:00:00Z'));
});

describe('GET /v1/actions/{token}', () => {
  it('shows a confirm page with a POST form and changes nothing', async () => {
    const response = await call('GET', token({ locale: 'en' }));

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toContain('<form method="post">');
    expect(response.body).toContain('Acknowledge case case_abc123');
    expect(storedCase()).toMatchObject({ status: 'open', version: 1 });
    expect(table.writes).toEqual([]);
  });

  it('answers 503, changing nothing, while the link secret cannot be read', async () => {
    const t = token({ locale: 'en' });
    const event = httpEvent({ method: 'POST', path: `/v1/actions/${t}`, body: '' });
    const unavailable = async (): Promise<string> => {
      throw new Error('Secrets Manager unavailable');
    };

    const response = await handler(unavailable)({ ...event, pathParameters: { token: t } });

    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('Temporary error');
    expect(table.writes).toEqual([]);
  });

  it('answers in both languages when the link has no locale', async () => {
    const response = await call('GET', token());

    expect(response.body).toContain('<section lang="ja">');
    expect(response.body).toContain('<section lang="en">');
  });

  it('shows the case, read only, for an open link', async () => {
    const response = await call('GET', token({ act: 'open', locale: 'ja' }));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<td>open</td>');
    expect(response.body).not.toContain('<form');
  });
});

describe('POST /v1/actions/{token}', () => {
  it('acknowledges the case once: status, version and an acknowledged event by the member via the link', async () => {
    const response = await call('POST', token({ locale: 'en' }), 'confirm=1');

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Case case_abc123 is acknowledged');
    expect(storedCase()).toMatchObject({
      status: 'acknowledged',
      version: 2,
      updatedAt: clock.now().toISOString(),
      // The SLA timer moves on with the change (recomputed from the timeline): the resolve clock's warning.
      dueStep: 'res:warn',
    });
    expect(events()).toEqual([
      expect.objectContaining({
        eventType: 'acknowledged',
        actor: 'staff:tanaka',
        via: 'signed_link',
        data: { from: 'open', to: 'acknowledged' },
      }),
    ]);
    // State, event and spent token in one transaction.
    expect(table.writes.map((w) => w.command)).toEqual(['TransactWrite']);
  });

  it('answers "already used" (409) to a second POST of the same link', async () => {
    const t = token({ locale: 'en' });
    await call('POST', t, 'confirm=1');

    const again = await call('POST', t, 'confirm=1');
    const get = await call('GET', t);

    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('This link was already used');
    expect(get.statusCode).toBe(409);
    expect(storedCase()).toMatchObject({ version: 2 });
  });

  it('does not spend a link whose action cannot happen, and says why', async () => {
    table.put(toCaseItem(sampleCase({ status: 'resolved' })));
    const t = token({ jti: 'jti-unspent-1', locale: 'en' });

    const response = await call('POST', t, 'confirm=1');

    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('has moved on (now: resolved)');
    expect(table.get(tokenKey('jti-unspent-1'))).toBeUndefined();
  });

  it('refuses (403) a link of a member who is no longer on the case team, spending nothing', async () => {
    // `sato` is on the web team in the example config; `gone` on no team (left since the email).
    for (const memberId of ['sato', 'gone']) {
      const t = token({ jti: `jti-left-${memberId}`, memberId, locale: 'en' });

      const response = await call('POST', t, 'confirm=1');

      expect(response.statusCode, memberId).toBe(403);
      expect(response.body).toContain('is no longer on this case');
      expect(table.get(tokenKey(`jti-left-${memberId}`))).toBeUndefined();
    }
    expect(storedCase()).toMatchObject({ status: 'open', version: 1 });
    expect(events()).toEqual([]);
  });

  it('refuses a forged link (403) and a malformed one (400) without touching anything', async () => {
    const forged = await call('POST', token({}, 'some-other-secret-that-is-long-enough-x'), 'confirm=1');
    const malformed = await call('POST', 'not-a-token', 'confirm=1');

    expect(forged.statusCode).toBe(403);
    expect(forged.body).toContain('This link is not valid');
    expect(malformed.statusCode).toBe(400);
    expect(storedCase()).toMatchObject({ status: 'open', version: 1 });
  });

  it('refuses an expired link with 410', async () => {
    const t = token();
    clock.advance(8 * 86_400_000);

    const response = await call('POST', t, 'confirm=1');

    expect(response.statusCode).toBe(410);
    expect(storedCase()).toMatchObject({ status: 'open' });
  });

  it('claims the case for the member and moves the open-case counters with it', async () => {
    const response = await call(
      'POST',
      token({ act: 'claim', memberId: 'watanabe', locale: 'en' }),
      'confirm=1',
    );

    expect(response.statusCode).toBe(200);
    expect(storedCase()).toMatchObject({ assigneeId: 'watanabe', status: 'open', version: 2 });
    expect(events()[0]).toMatchObject({
      eventType: 'assigned',
      actor: 'staff:watanabe',
      data: { assigneeId: 'watanabe', previousAssigneeId: 'tanaka', rule: 'claimed' },
    });
    expect(table.get(openCounterKey('orders', 'watanabe'))).toMatchObject({ open: 1 });
    expect(table.get(openCounterKey('orders', 'tanaka'))).toMatchObject({ open: -1 });
  });

  it('records a good follow-up answer and closes the resolved case; a second answer is refused', async () => {
    table.put(toCaseItem(sampleCase({ status: 'resolved', version: 5 })));
    const shared = 'jti-rating-000001';
    const good = token({ act: 'rate', value: '5', jti: shared, memberId: undefined });
    const bad = token({ act: 'rate', value: '1', jti: shared, memberId: undefined });

    const first = await call('POST', good, 'confirm=1');
    const second = await call('POST', bad, 'confirm=1');

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(409);
    expect(storedCase()).toMatchObject({ status: 'closed', version: 6 });
    expect(events().map((e) => e.eventType)).toEqual(['verified', 'closed']);
  });

  it('reopens the case on a bad follow-up answer', async () => {
    table.put(toCaseItem(sampleCase({ status: 'resolved', version: 5 })));

    const response = await call(
      'POST',
      token({ act: 'rate', value: 'bad', memberId: undefined, locale: 'ja' }),
      'confirm=1',
    );

    expect(response.body).toContain('担当チームが改めて対応いたします');
    expect(storedCase()).toMatchObject({ status: 'reopened', version: 6 });
  });

  it('still unsubscribes with a link made when links named the address (signed with the link secret)', async () => {
    const t = token({ act: 'unsubscribe', email: 'Hanako@Example.jp', memberId: undefined, locale: 'ja' });

    const first = await call('POST', t, 'List-Unsubscribe=One-Click');
    const again = await call('POST', t, 'List-Unsubscribe=One-Click');

    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(table.get(suppressionKey('hanako@example.jp'))).toMatchObject({
      reason: 'unsubscribe',
      detail: { via: 'one_click', caseId: 'case_abc123' },
    });
  });

  it('does not unsubscribe on GET (link scanners)', async () => {
    const t = token({ act: 'unsubscribe', email: 'hanako@example.jp', memberId: undefined });

    const response = await call('GET', t);

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<form method="post">');
    expect(table.get(suppressionKey('hanako@example.jp'))).toBeUndefined();
  });

  it('answers 503 with a page, not a stack trace, when storage fails', async () => {
    ddbMock.rejects(new Error('DynamoDB is down'));

    const response = await call('POST', token(), 'confirm=1');

    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('DynamoDB is down');
  });
});

describe('unsubscribe links, signed with their case key', () => {
  const caseKeyValue = 'case-key-of-case_abc123-0123456789abcdefghij';
  const unsubscribe = (key = caseKeyValue, over: Partial<LinkPayload> = {}) =>
    token({ act: 'unsubscribe', memberId: undefined, locale: 'en', ...over }, key);

  beforeEach(() => {
    table.put({ ...unsubscribeKeyKey('case_abc123'), type: 'unsubscribeKey', key: caseKeyValue });
    table.put({
      ...feedbackKey('fb_abc123'),
      type: 'feedback',
      feedbackId: 'fb_abc123',
      customer: { email: 'Hanako@Example.jp', contactConsent: true },
    });
  });

  it("suppresses the case's customer, whose address the link does not carry", async () => {
    const response = await call('POST', unsubscribe(), 'List-Unsubscribe=One-Click');

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(response.body).not.toContain('Hanako');
    expect(table.get(suppressionKey('hanako@example.jp'))).toMatchObject({
      reason: 'unsubscribe',
      detail: { via: 'one_click', caseId: 'case_abc123' },
    });
  });

  it('answers 403 and suppresses nothing for one signed with the link secret or another key', async () => {
    const forged = [unsubscribe(linkSecret), unsubscribe('some-other-key-0123456789abcdefghijklmn')];

    const answers = await Promise.all(forged.map((t) => call('POST', t, 'List-Unsubscribe=One-Click')));

    expect(answers.map((a) => a.statusCode)).toEqual([403, 403]);
    expect(table.get(suppressionKey('hanako@example.jp'))).toBeUndefined();
  });

  it('answers 403 for a case that has no unsubscribe key', async () => {
    const response = await call('POST', unsubscribe(caseKeyValue, { caseId: 'case_other' }), 'confirm=1');

    expect(response.statusCode).toBe(403);
    expect(table.writes).toEqual([]);
  });

  it('answers done and suppresses nothing once the customer was erased (no address left)', async () => {
    table.put({ ...feedbackKey('fb_abc123'), type: 'feedback', feedbackId: 'fb_abc123', customer: {} });

    const response = await call('POST', unsubscribe(), 'confirm=1');

    expect(response.statusCode).toBe(200);
    expect(table.writes).toEqual([]);
  });
});

describe('links across a rotation of the link secret', () => {
  const previous = 'previous-link-secret-0123456789abcdefghijkl';
  const next = 'next-link-secret-0123456789abcdefghijklmnopq';

  it('acts on links signed with AWSCURRENT or AWSPREVIOUS and refuses a third secret', async () => {
    const actions = handler(async () => [linkSecret, previous]);
    const links = [linkSecret, previous, 'older-link-secret-0123456789abcdefghijklmno'].map((secret) =>
      token({ act: 'open', locale: 'en' }, secret),
    );

    const answers = await Promise.all(links.map((t) => call('GET', t, undefined, undefined, actions)));

    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 403]);
  });

  it('reads the secret again, once, for a link signed with a value newer than the one it holds', async () => {
    const reads: boolean[] = [];
    const actions = handler(async (opts?: { fresh?: boolean }) => {
      reads.push(opts?.fresh === true);
      return opts?.fresh ? [next, linkSecret] : [linkSecret, previous];
    });

    const response = await call('POST', token({ locale: 'en' }, next), 'confirm=1', undefined, actions);

    expect(response.statusCode).toBe(200);
    expect(storedCase()).toMatchObject({ status: 'acknowledged' });
    expect(reads).toEqual([false, true]);
  });
});

describe('the double opt-in link', () => {
  const ref = contactRefOf('shop-jp', 'victim@example.com');
  const confirmToken = () =>
    token({
      act: 'confirm',
      contactId: contactIdOf(ref),
      caseId: undefined,
      memberId: undefined,
      locale: 'en',
    });
  const holdOne = () =>
    contacts.hold(
      ref,
      { caseId: 'case_abc123', requestedAt: '2026-11-20T01:00:00.000Z', notice: customerNotice() },
      clock.now(),
    );

  it('shows a page on GET and confirms nothing (link scanners)', async () => {
    await holdOne();

    const response = await call('GET', confirmToken());

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Confirm your email address');
    expect(await contacts.status(ref)).toBe('unconfirmed');
    expect(contacts.released).toEqual([]);
  });

  it('confirms on POST and releases the held notice once, even when pressed twice', async () => {
    await holdOne();
    const t = confirmToken();

    const first = await call('POST', t, '');
    const second = await call('POST', t, '');

    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(first.body).toContain('Address confirmed');
    expect(await contacts.status(ref)).toBe('confirmed');
    expect(contacts.released.map((n) => n.noticeId)).toEqual([`${customerNotice().noticeId}:released`]);
  });

  it('refuses a confirm link without a well-formed contact (400)', async () => {
    const response = await call('POST', token({ act: 'confirm', contactId: 'victim@example.com' }), '');

    expect(response.statusCode).toBe(400);
    expect(contacts.confirmed.size).toBe(0);
  });
});
