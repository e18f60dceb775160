import { describe, expect, it } from 'vitest';
import { type RecordDeps, recordJourneyEvent, sweepInvitations } from '../../core/invitations/index.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { IdempotencyConflict, type ValidationFailed } from '../../shared/domain/errors.ts';
import {
  type ContactState,
  contactKeyOf,
  contactLimitReason,
  type Invitation,
  nextInvitationStep,
  scheduleOf,
} from '../../shared/domain/invitation.ts';
import type { EventStarts, JourneyStore } from '../../shared/domain/invitation-ports.ts';
import { parseJourneyEvent, type StoredEvent } from '../../shared/domain/journey.ts';
import { DAY_MS, HOUR_MS } from '../../shared/domain/time.ts';
import { invitationShards } from '../../shared/repository/invitation-item.ts';
import { exampleConfig } from '../support/local-stack.ts';
import { MemoryInvitations } from '../support/survey-fakes.ts';

const limits = { quietDaysAfterAnswer: 90, quietDaysAfterIgnored: 30, maxInvitationsPer30Days: 2 };
const now = new Date('2026-12-07T03:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * DAY_MS).toISOString();
const willing = { consent: true, suppressed: false, caseOpen: false };
const state = (over: Partial<ContactState> = {}): ContactState => ({ sentAt: [], version: 1, ...over });

describe('contact limits', () => {
  it('lets the first invitation through', () => {
    expect(contactLimitReason(state(), willing, limits, now)).toBeUndefined();
  });

  it.each([
    ['no_consent', { ...willing, consent: false }],
    ['suppressed', { ...willing, suppressed: true }],
    ['case_open', { ...willing, caseOpen: true }],
  ] as const)('skips with %s when the customer says so', (reason, facts) => {
    expect(contactLimitReason(state(), facts, limits, now)).toBe(reason);
  });

  it('holds invitations for 90 days after an answer, and not a day more', () => {
    expect(contactLimitReason(state({ lastAnsweredAt: daysAgo(89) }), willing, limits, now)).toBe(
      'answered_recently',
    );
    expect(contactLimitReason(state({ lastAnsweredAt: daysAgo(91) }), willing, limits, now)).toBeUndefined();
  });

  it('holds invitations for 30 days after one was ignored', () => {
    expect(contactLimitReason(state({ lastIgnoredAt: daysAgo(29) }), willing, limits, now)).toBe(
      'ignored_recently',
    );
    expect(contactLimitReason(state({ lastIgnoredAt: daysAgo(31) }), willing, limits, now)).toBeUndefined();
  });

  it('allows at most maxInvitationsPer30Days in any 30 days', () => {
    const two = state({ sentAt: [daysAgo(20), daysAgo(2)] });
    expect(contactLimitReason(two, willing, limits, now)).toBe('max_per_30_days');
    const oneOld = state({ sentAt: [daysAgo(31), daysAgo(2)] });
    expect(contactLimitReason(oneOld, willing, limits, now)).toBeUndefined();
  });

  it('counts one customer once whatever the sub-address or case', () => {
    expect(contactKeyOf('shop-jp', { email: 'Hanako+sale@Example.JP' })).toBe(
      contactKeyOf('shop-jp', { email: 'hanako@example.jp' }),
    );
    expect(contactKeyOf('shop-jp', { email: 'hanako@example.jp' })).not.toBe(
      contactKeyOf('shop-en', { email: 'hanako@example.jp' }),
    );
  });
});

describe('an invitation schedule', () => {
  const open24h = {
    timeZone: 'Asia/Tokyo',
    weeklyHours: Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
    ),
  };
  const timing = { delayMinutes: 60, reminderAfterDays: 3, expiresAfterDays: 14, emailed: true };

  it('sends after the delay, reminds once, then closes', () => {
    const s = scheduleOf(now, now, timing, open24h);
    expect(s).toEqual({
      status: 'scheduled',
      sendAt: new Date(now.getTime() + HOUR_MS).toISOString(),
      remindAt: new Date(now.getTime() + HOUR_MS + 3 * DAY_MS).toISOString(),
      closesAt: new Date(now.getTime() + HOUR_MS + 14 * DAY_MS).toISOString(),
    });
  });

  it('never schedules in the past for an event told late', () => {
    const late = scheduleOf(new Date(now.getTime() - 10 * DAY_MS), now, timing, open24h);
    expect(late.sendAt).toBe(now.toISOString());
  });

  it('makes a link-only invitation open at once, with no email step', () => {
    const s = scheduleOf(now, now, { ...timing, emailed: false }, open24h);
    expect(s.status).toBe('issued');
    expect(s.sendAt).toBeUndefined();
  });

  it('has no step left once answered, expired or skipped', () => {
    const base = { status: 'sent', closesAt: daysAgo(-14), remindAt: daysAgo(-3) } as Invitation;
    expect(nextInvitationStep(base)?.step).toBe('remind');
    expect(nextInvitationStep({ ...base, remindedAt: now.toISOString() })?.step).toBe('expire');
    for (const status of ['answered', 'expired', 'skipped'] as const) {
      expect(nextInvitationStep({ ...base, status })).toBeUndefined();
    }
  });
});

describe('parseJourneyEvent', () => {
  const rules = {
    eventTypes: ['purchase_completed'],
    emailingRules: (type: string) => (type === 'purchase_completed' ? [{ id: 'post-purchase' }] : []),
  };
  const valid = {
    siteId: 'shop-jp',
    eventId: 'order-1-paid',
    type: 'purchase_completed',
    occurredAt: now.toISOString(),
    customer: { email: 'hanako@example.jp', contactConsent: true },
  };
  const issuesOf = (body: unknown) => {
    try {
      parseJourneyEvent(body, rules, now);
      return [];
    } catch (error) {
      return (error as ValidationFailed).issues.map((i) => i.path);
    }
  };

  it('accepts a valid event', () => {
    expect(issuesOf(valid)).toEqual([]);
  });

  it('names every problem at once', () => {
    expect(
      issuesOf({
        ...valid,
        type: 'order_shipped',
        occurredAt: new Date(now.getTime() + HOUR_MS).toISOString(),
        customer: { contactConsent: 'yes' },
        extra: 1,
      }),
    ).toEqual(expect.arrayContaining(['', 'customer.contactConsent', 'type', 'occurredAt', 'customer']));
  });

  it('needs an email when the rule for the type emails', () => {
    expect(issuesOf({ ...valid, customer: { id: 'c-1', contactConsent: true } })).toEqual(['customer.email']);
  });

  it('lets an occurredAt within 5 minutes of clock skew through', () => {
    expect(issuesOf({ ...valid, occurredAt: new Date(now.getTime() + 4 * 60_000).toISOString() })).toEqual(
      [],
    );
  });
});

/** The memory store with the timers index: every invitation with a step due, in the first shard. */
class SweptInvitations extends MemoryInvitations {
  override async due(shard: string, dueBy: string, onPage: (ids: string[]) => Promise<void>) {
    if (shard !== invitationShards[0]) return;
    const ids = [...this.invitations.values()]
      .filter((inv) => {
        const step = nextInvitationStep(inv);
        return step !== undefined && step.dueAt <= dueBy;
      })
      .map((inv) => inv.invitationId);
    await onPage(ids);
  }
}

class MemoryJourneys implements JourneyStore {
  readonly events = new Map<string, StoredEvent>();
  readonly seen = new Map<string, string>();
  constructor(private readonly invitations: MemoryInvitations) {}
  async record(event: StoredEvent, starts: EventStarts) {
    const key = `${event.siteId}/${event.eventId}`;
    const existing = this.events.get(key);
    if (existing) return { created: false as const, existing };
    this.events.set(key, event);
    if (starts.contactKey && !this.seen.has(starts.contactKey))
      this.seen.set(starts.contactKey, event.receivedAt);
    if (starts.invitation) await this.invitations.apply({ invitation: starts.invitation, log: starts.log });
    return { created: true as const };
  }
  async firstSeen(contactKey: string) {
    return this.seen.get(contactKey);
  }
}

function setUp(config: Config = exampleConfig()) {
  const clock = new VirtualClock(now);
  const invitations = new SweptInvitations();
  const journeys = new MemoryJourneys(invitations);
  const customers = { suppressed: async () => false, caseOpen: async (_email: string) => false };
  const recordDeps: RecordDeps = {
    config,
    journeys,
    clock,
    linkSecret: async () => 'x'.repeat(32),
    publicBaseUrl: 'https://feedback.example.jp',
  };
  const sweep = () => sweepInvitations(clock.now(), { config, invitations, customers });
  return { clock, invitations, customers, recordDeps, sweep };
}

const event = (over: Record<string, unknown> = {}) =>
  parseJourneyEvent(
    {
      siteId: 'shop-jp',
      eventId: `evt-${Math.random()}`,
      type: 'account_created',
      occurredAt: now.toISOString(),
      customer: { email: 'hanako@example.jp', contactConsent: true },
      ...over,
    },
    { eventTypes: exampleConfig().invitations.eventTypes, emailingRules: () => [] },
    now,
  );

describe('recordJourneyEvent and the sweep', () => {
  it('answers a replay from the first answer and refuses another body under the same id', async () => {
    const { recordDeps } = setUp();
    const first = await recordJourneyEvent(event({ eventId: 'e-1' }), recordDeps);
    const again = await recordJourneyEvent(event({ eventId: 'e-1' }), recordDeps);
    expect(again).toEqual({ ...first, replayed: true });
    await expect(
      recordJourneyEvent(event({ eventId: 'e-1', data: { orderId: 'o-2' } }), recordDeps),
    ).rejects.toBeInstanceOf(IdempotencyConflict);
  });

  it('holds the invitation of a customer whose case is being worked on, and logs why', async () => {
    const { recordDeps, invitations, customers, sweep } = setUp();
    customers.caseOpen = async () => true;
    const { invitation } = await recordJourneyEvent(event(), recordDeps);
    const result = await sweep();
    expect(result.skipped).toEqual({ case_open: 1 });
    expect(invitations.invitations.get(invitation!.invitationId)).toMatchObject({
      status: 'skipped',
      skipReason: 'case_open',
    });
    expect(invitations.log.map((l) => [l.what, l.reason])).toContainEqual(['skipped', 'case_open']);
  });

  it('sends nothing for an invitation answered (by its QR code) before its email went', async () => {
    const { recordDeps, invitations, sweep } = setUp();
    const { invitation } = await recordJourneyEvent(event(), recordDeps);
    const stored = invitations.invitations.get(invitation!.invitationId)!;
    invitations.invitations.set(stored.invitationId, { ...stored, status: 'answered', version: 2 });
    const result = await sweep();
    expect(result.sent).toBe(0);
    expect(invitations.applied.filter((c) => c.notice)).toHaveLength(0);
  });

  it('sends each invitation once when two sweeps run at the same minute', async () => {
    const { recordDeps, invitations, sweep } = setUp();
    await recordJourneyEvent(event(), recordDeps);
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.sent + b.sent).toBe(1);
    expect(invitations.applied.filter((c) => c.notice)).toHaveLength(1);
  });
});
