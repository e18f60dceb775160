import { beforeEach, describe, expect, it } from 'vitest';
import { admitCustomerNotice, confirmContact, lapseUnconfirmed } from '../../core/contacts/index.ts';
import { VirtualClock } from '../../shared/clock.ts';
import {
  confirmationDue,
  contactIdOf,
  contactRefOf,
  gateCustomerMail,
  lapseDueAt,
  MAX_RELEASED_CASES,
  noticesToRelease,
  parseContactId,
  secondsToNextQuotaHour,
} from '../../shared/domain/contact.ts';
import { HOUR_MS } from '../../shared/domain/time.ts';
import { type MemoryContacts, memoryContacts } from '../support/contacts.ts';
import { customerNotice } from '../support/notices.ts';

describe('the double opt-in rules', () => {
  it('sends when the shop vouched or the owner confirmed, holds otherwise', () => {
    expect(gateCustomerMail('unconfirmed', false)).toBe('hold');
    expect(gateCustomerMail('unconfirmed', true)).toBe('send');
    expect(gateCustomerMail('confirmed', false)).toBe('send');
    expect(gateCustomerMail('confirmed', true)).toBe('send');
  });

  it('allows one confirmation per address per 24 hours', () => {
    const sent = '2026-11-20T01:00:00.000Z';
    expect(confirmationDue(undefined, new Date(sent))).toBe(true);
    expect(confirmationDue(sent, new Date('2026-11-21T00:59:59.999Z'))).toBe(false);
    expect(confirmationDue(sent, new Date('2026-11-21T01:00:00.000Z'))).toBe(true);
  });

  it('names one contact for every plus-tag variant of an address, per site', () => {
    expect(contactRefOf('shop-jp', 'Victim+7@Example.com')).toEqual(
      contactRefOf('shop-jp', 'victim@example.com'),
    );
    expect(contactRefOf('shop-en', 'victim@example.com')).not.toEqual(
      contactRefOf('shop-jp', 'victim@example.com'),
    );
  });

  it('carries a contact id without the address, and parses only its own format', () => {
    const ref = contactRefOf('shop-jp', 'victim@example.com');
    expect(contactIdOf(ref)).not.toContain('victim');
    expect(parseContactId(contactIdOf(ref))).toEqual(ref);
    expect(parseContactId('shop-jp.victim@example.com')).toBeUndefined();
    expect(parseContactId('Shop JP.abc')).toBeUndefined();
  });

  it('lapses seven days after the case opened', () => {
    expect(lapseDueAt('2026-11-20T01:00:00.000Z').toISOString()).toBe('2026-11-27T01:00:00.000Z');
  });

  it('counts the quota per UTC hour and says when the next hour starts', () => {
    expect(secondsToNextQuotaHour(new Date('2026-11-20T01:59:30.000Z'))).toBe(30);
    expect(secondsToNextQuotaHour(new Date('2026-11-20T02:00:00.000Z'))).toBe(3600);
  });

  it('releases only the latest notice of each case, for the newest cases', () => {
    const held = [
      { caseId: 'a', requestedAt: '2026-11-20T01:00:00Z', notice: 'a-received' },
      { caseId: 'a', requestedAt: '2026-11-20T03:00:00Z', notice: 'a-resolved' },
      { caseId: 'a', requestedAt: '2026-11-20T02:00:00Z', notice: 'a-progress' },
      { caseId: 'b', requestedAt: '2026-11-20T01:30:00Z', notice: 'b-received' },
    ];
    const { release, drop } = noticesToRelease(held);
    expect(release.map((h) => h.notice)).toEqual(['a-resolved', 'b-received']);
    expect(drop.map((h) => h.notice).sort()).toEqual(['a-progress', 'a-received']);

    const many = Array.from({ length: MAX_RELEASED_CASES + 3 }, (_, i) => ({
      caseId: `c${i}`,
      requestedAt: `2026-11-20T0${i}:00:00Z`,
      notice: i,
    }));
    expect(noticesToRelease(many).release.map((h) => h.notice)).toEqual([7, 6, 5, 4, 3]);
  });

  it('releases the furthest stage when a case told two things at the same instant', () => {
    const at = '2026-11-20T01:00:00Z';
    const stages = ['received', 'progress', 'resolved'];
    const held = [
      { caseId: 'a', requestedAt: at, notice: 'received' },
      { caseId: 'a', requestedAt: at, notice: 'resolved' },
      { caseId: 'a', requestedAt: at, notice: 'progress' },
    ];

    const { release } = noticesToRelease(held, (n) => stages.indexOf(n));

    expect(release.map((h) => h.notice)).toEqual(['resolved']);
  });
});

describe('admitting a customer notice', () => {
  let contacts: MemoryContacts;
  let clock: VirtualClock;
  const deps = () => ({ contacts, clock, confirmationsPerSitePerHour: 3 });
  const admit = (email: string, over: { vouched?: boolean; caseId?: string; siteId?: string } = {}) =>
    admitCustomerNotice(
      {
        notice: customerNotice({}, over.caseId ?? 'case_1'),
        email,
        siteId: over.siteId ?? 'shop-jp',
        vouched: over.vouched ?? false,
        caseCreatedAt: '2026-11-20T01:00:00.000Z',
      },
      deps(),
    );

  beforeEach(() => {
    contacts = memoryContacts();
    clock = new VirtualClock(new Date('2026-11-20T01:00:00.000Z'));
  });

  it('holds a notice to an unconfirmed address and asks for one confirmation', async () => {
    const first = await admit('victim@example.com');
    const second = await admit('victim+2@example.com', { caseId: 'case_2' });

    expect(first).toMatchObject({ decision: 'hold', confirmation: 'due' });
    expect(second).toEqual({ decision: 'hold', confirmation: 'not_due' });
    expect(contacts.heldBy.get(contactIdOf(contactRefOf('shop-jp', 'victim@example.com')))).toHaveLength(2);
    expect(contacts.lapses.map((l) => l.dueAt)).toEqual([
      '2026-11-27T01:00:00.000Z',
      '2026-11-27T01:00:00.000Z',
    ]);
  });

  it('asks again after 24 hours, not before', async () => {
    await admit('victim@example.com');
    clock.advance(24 * HOUR_MS - 1);
    expect(await admit('victim@example.com', { caseId: 'case_2' })).toMatchObject({
      confirmation: 'not_due',
    });
    clock.advance(1);
    expect(await admit('victim@example.com', { caseId: 'case_3' })).toMatchObject({ confirmation: 'due' });
  });

  it('stops confirmations at the site quota and gives the address its turn back', async () => {
    for (const n of [1, 2, 3]) await admit(`person${n}@example.com`);
    const over = await admit('person4@example.com');
    expect(over).toEqual({ decision: 'hold', confirmation: 'over_quota' });

    clock.advance(HOUR_MS);
    expect(await admit('person4@example.com', { caseId: 'case_9' })).toMatchObject({ confirmation: 'due' });
  });

  it('sends at once to an address the shop vouched for, and counts it as confirmed from then on', async () => {
    expect(await admit('known@example.com', { vouched: true })).toEqual({ decision: 'send' });
    expect(await admit('known+tag@example.com')).toEqual({ decision: 'send' });
    expect(contacts.heldBy.size).toBe(0);
  });

  it('keeps confirmation per site', async () => {
    await admit('known@example.com', { vouched: true });
    expect(await admit('known@example.com', { siteId: 'shop-en' })).toMatchObject({ decision: 'hold' });
  });
});

describe('confirming and lapsing', () => {
  let contacts: MemoryContacts;
  let clock: VirtualClock;
  const ref = contactRefOf('shop-jp', 'victim@example.com');

  beforeEach(() => {
    contacts = memoryContacts();
    clock = new VirtualClock(new Date('2026-11-20T01:00:00.000Z'));
  });

  async function hold(caseId: string, kind: 'customer_received' | 'customer_resolved', at: string) {
    await contacts.hold(
      ref,
      {
        caseId,
        requestedAt: at,
        notice: customerNotice({ kind, step: kind, requestedAt: at }, caseId),
      },
      clock.now(),
    );
  }

  it('releases the latest state of each case once, and nothing on a second confirmation', async () => {
    await hold('case_1', 'customer_received', '2026-11-20T01:00:00.000Z');
    await hold('case_1', 'customer_resolved', '2026-11-20T05:00:00.000Z');

    const first = await confirmContact(ref, { contacts, clock });
    const second = await confirmContact(ref, { contacts, clock });

    expect(first).toEqual({ result: 'confirmed', released: 1, dropped: 1 });
    expect(second).toEqual({ result: 'already', released: 0, dropped: 0 });
    expect(contacts.released.map((n) => n.kind)).toEqual(['customer_resolved']);
  });

  it('lapses the consent of a case whose address stayed unconfirmed for 7 days', async () => {
    await hold('case_1', 'customer_received', '2026-11-20T01:00:00.000Z');
    await contacts.scheduleLapse({ caseId: 'case_1', ref, dueAt: '2026-11-27T01:00:00.000Z' });

    clock.advance(7 * 24 * HOUR_MS - 60_000);
    expect(await lapseUnconfirmed({ contacts, clock })).toEqual({ lapsed: 0, confirmed: 0 });
    clock.advance(60_000);
    expect(await lapseUnconfirmed({ contacts, clock })).toEqual({ lapsed: 1, confirmed: 0 });

    expect(contacts.lapsedCases).toEqual(['case_1']);
    expect(await contacts.held(ref)).toEqual([]);
  });

  it('does not lapse a case whose address was confirmed in time', async () => {
    await contacts.scheduleLapse({ caseId: 'case_1', ref, dueAt: '2026-11-27T01:00:00.000Z' });
    await confirmContact(ref, { contacts, clock });

    clock.advance(8 * 24 * HOUR_MS);
    expect(await lapseUnconfirmed({ contacts, clock })).toEqual({ lapsed: 0, confirmed: 1 });
    expect(contacts.lapsedCases).toEqual([]);
  });
});
