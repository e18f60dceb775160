import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lapseUnconfirmed } from '../../core/contacts/index.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { normalizeAddress } from '../../shared/domain/address.ts';
import { type Case, caseIdFor } from '../../shared/domain/case.ts';
import { DAY_MS } from '../../shared/domain/time.ts';
import { caseKey, casePk } from '../../shared/repository/case-item.ts';
import { countItems, eventually, startTestStack } from '../support/local-stack.ts';
import { actionTokens } from '../support/notices.ts';

/**
 * The public intake turned against a stranger, on the real local peers: feedback through the
 * public site key (Origin forged, as any script can), triage, the notify queue, SES local. The
 * double opt-in holds every customer mail until the address's owner confirms it.
 */
let stack: LocalStack;
const T0 = new Date('2026-11-24T01:00:00.000Z'); // a Tokyo business morning
const shopOrigin = 'https://shop.example.jp';
const HOSTILE_NAME = 'Account locked, visit http://evil.example';
const HOSTILE_COMMENT = 'Your account is locked: verify at http://evil.example/login';

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
});
afterAll(async () => {
  await stack?.stop();
});

interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}
const outbox = async () => (await (await fetch(`${stack.url}/__local/outbox`)).json()) as OutboxMail[];
const mailTo = async (base: string) =>
  (await outbox()).filter((m) => m.to.some((to) => normalizeAddress(to) === base));

let n = 0;
function submit(email: string, opts: { server?: boolean; name?: string; comment?: string } = {}) {
  const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'idempotency-key': `contacts-${++n}`,
    ...(opts.server
      ? { 'x-server-key': site.serverKey }
      : { 'x-site-key': site.siteKey, origin: shopOrigin }),
  };
  return fetch(`${stack.url}/v1/feedback`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      siteId: 'shop-jp',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 0 },
      comment: opts.comment ?? 'カードが使えませんでした',
      customer: { email, name: opts.name ?? '山田 花子', locale: 'en', contactConsent: true },
    }),
  });
}

async function caseOf(response: Response): Promise<string> {
  expect(response.status).toBe(202);
  const { feedbackId } = (await response.json()) as { feedbackId: string };
  return caseIdFor(feedbackId);
}

async function storedCase(caseId: string): Promise<Case | undefined> {
  const { Item } = await stack.db.send(
    new GetCommand({ TableName: stack.tableName, Key: caseKey(caseId), ConsistentRead: true }),
  );
  return Item as Case | undefined;
}

/** Waits until every queue is empty and nothing is in flight (the loop has settled). */
async function settled(): Promise<void> {
  await eventually(async () => {
    for (const q of ['triage', 'notify', 'notify-customer']) {
      const depth = (await (await fetch(`${stack.url}/__local/queues/${q}`)).json()) as {
        visible: number;
        inFlight: number;
      };
      expect(depth.visible + depth.inFlight).toBe(0);
    }
  }, 60_000);
}

async function staffToken(): Promise<string> {
  return ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string }).token;
}

async function act(caseId: string, action: string, body: unknown) {
  const c = await storedCase(caseId);
  const response = await fetch(`${stack.url}/v1/cases/${caseId}/${action}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await staffToken()}`,
      'content-type': 'application/json',
      'if-match': String(c!.version),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const confirmLinkOf = (mail: OutboxMail) => {
  const [token] = actionTokens(mail.text);
  return `${stack.url}/v1/actions/${token}`;
};

describe('the relay attack through the public key', () => {
  it('gets a victim at most one email, of fixed text, from 200 submissions with plus-tags and a hostile name', async () => {
    const base = 'relay-victim@example.com';

    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        submit(`relay-victim+${i}@example.com`, { name: HOSTILE_NAME, comment: HOSTILE_COMMENT }),
      ),
    );
    const accepted = answers.filter((r) => r.status === 202).length;
    expect(accepted).toBeGreaterThan(0);
    // Every accepted submission opened a case whose customer_received waits for a confirmation.
    await eventually(
      async () => expect(await countItems(stack, 'heldNotice')).toBeGreaterThanOrEqual(accepted),
      90_000,
    );
    await settled();

    const mails = await mailTo(base);
    expect(mails.length).toBeLessThanOrEqual(1);
    for (const mail of mails) {
      const everything = `${mail.subject}\n${mail.text}\n${mail.html}`;
      expect(everything).not.toContain('evil.example');
      expect(everything).not.toContain('Account locked');
      expect(everything).not.toContain('カードが使えません');
      expect(mail.subject).toMatch(/confirm your email address/i);
    }
  }, 120_000);
});

describe('double opt-in', () => {
  it('holds the notices until confirmed, then sends only the latest state, once', async () => {
    const email = 'hanako.confirm@example.jp';
    const caseId = await caseOf(await submit(email));
    const confirm = await eventually(async () => {
      const [mail] = await mailTo(email);
      expect(mail?.subject).toMatch(/confirm your email address/i);
      return mail!;
    }, 30_000);
    await act(caseId, 'acknowledge', { note: 'looking into it' });
    await act(caseId, 'resolve', {
      customerMessage: 'The card payment works again.',
      rootCause: 'provider outage',
      actions: { internal: [], external: [] },
    });
    await settled();
    expect(await mailTo(email)).toHaveLength(1); // still only the confirmation

    const scanned = await fetch(confirmLinkOf(confirm));
    expect(scanned.status).toBe(200);
    await settled();
    expect(await mailTo(email)).toHaveLength(1); // a GET (a link scanner) confirms nothing

    const first = await fetch(confirmLinkOf(confirm), { method: 'POST' });
    const again = await fetch(confirmLinkOf(confirm), { method: 'POST' });
    expect([first.status, again.status]).toEqual([200, 200]);

    const released = await eventually(async () => {
      const mails = await mailTo(email);
      expect(mails).toHaveLength(2);
      return mails[1]!;
    }, 30_000);
    await settled();
    expect(await mailTo(email)).toHaveLength(2);
    expect(released.text).toContain('The card payment works again.');
    expect(released.text).not.toContain('山田'); // the name came with an unvouched address
  }, 90_000);

  it('needs no confirmation for an address the shop sent with its server key, and greets by name', async () => {
    const email = 'known.customer@example.jp';
    await caseOf(await submit(email, { server: true, name: 'Known Customer' }));

    const [mail] = await eventually(async () => {
      const mails = await mailTo(email);
      expect(mails).toHaveLength(1);
      return mails;
    }, 30_000);
    expect(mail!.subject).not.toMatch(/confirm/i);
    expect(mail!.text).toContain('Dear Known Customer,');
  }, 60_000);

  it('suppresses every plus-tag of an address once its owner unsubscribed', async () => {
    const email = 'leaver@example.jp';
    await caseOf(await submit(email, { server: true }));
    const [mail] = await eventually(async () => {
      const mails = await mailTo(email);
      expect(mails).toHaveLength(1);
      return mails;
    }, 30_000);
    const unsubscribe = actionTokens(mail!.text).at(-1)!;
    expect((await fetch(`${stack.url}/v1/actions/${unsubscribe}`, { method: 'POST' })).status).toBe(200);

    await caseOf(await submit('Leaver+2@example.jp', { server: true }));
    await caseOf(await submit('leaver+3@example.jp'));
    await settled();

    expect(await mailTo(email)).toHaveLength(1);
  }, 60_000);

  it('lapses the contact consent of a case unconfirmed for 7 days, with a timeline event', async () => {
    const caseId = await caseOf(await submit('never.confirms@example.jp'));
    await eventually(async () => expect(await mailTo('never.confirms@example.jp')).toHaveLength(1), 30_000);
    const contacts = dynamoContactStore(stack.db, stack.tableName);
    const later = (ms: number) => ({ now: () => new Date(T0.getTime() + ms) });

    expect(await lapseUnconfirmed({ contacts, clock: later(6 * DAY_MS) })).toEqual({
      lapsed: 0,
      confirmed: 0,
    });
    const result = await lapseUnconfirmed({ contacts, clock: later(7 * DAY_MS + 60_000) });

    expect(result.lapsed).toBeGreaterThanOrEqual(1);
    expect((await storedCase(caseId))?.contactConsent).toBe(false);
    const { Items = [] } = await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
        ExpressionAttributeValues: { ':pk': casePk(caseId), ':e': 'EVENT#' },
      }),
    );
    expect(Items.map((i) => i.eventType)).toContain('consent_lapsed');
    // A second run finds nothing left to do.
    expect(await lapseUnconfirmed({ contacts, clock: later(7 * DAY_MS + 120_000) })).toEqual({
      lapsed: 0,
      confirmed: 0,
    });
  }, 60_000);
});
