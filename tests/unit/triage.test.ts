import { beforeEach, describe, expect, it } from 'vitest';
import { type TriageDeps, triageFeedback } from '../../core/cases/triage.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { caseRefPattern } from '../../shared/domain/case-ref.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { AssignmentConflict, FeedbackNotFound } from '../../shared/domain/triage-ports.ts';
import { caseOpened } from '../../shared/events/case-opened.ts';
import { feedbackReceived } from '../../shared/events/feedback-received.ts';
import { noticeRequested } from '../../shared/events/notice-requested.ts';
import { InMemoryTriage } from '../support/triage-fakes.ts';

const config = loadConfigFile('closeloop.config.example.json');
const now = new Date('2026-11-18T05:00:00.000Z');

let store: InMemoryTriage;
let deps: TriageDeps;
beforeEach(() => {
  store = new InMemoryTriage();
  deps = {
    feedback: store,
    assignments: store,
    store,
    clock: new VirtualClock(now),
    config,
    backoff: async () => {},
  };
});

let n = 0;
function feedback(over: Partial<Feedback> = {}): Feedback {
  n += 1;
  return {
    feedbackId: `fb_unit_${n}`,
    receivedAt: '2026-11-18T01:00:00.000Z', // Wednesday 10:00 JST
    bodyHash: 'h',
    siteId: 'shop-jp',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    rating: { type: 'nps', score: 3 },
    comment: '支払い方法が選べませんでした',
    reasons: ['payment_method_unavailable'],
    customer: { email: 'hanako@example.jp', name: '山田 花子', locale: 'ja', contactConsent: true },
    ...over,
  };
}

const triage = (fb: Feedback, d: TriageDeps = deps) => {
  store.add(fb);
  return triageFeedback(fb.feedbackId, d);
};

describe('triage: a feedback that opens a case', () => {
  it('marks the contact vouched only when the feedback came with the server key', async () => {
    const fromBackend = feedback({ feedbackId: 'fb_from_backend', keyKind: 'server' });
    const fromPage = feedback({ feedbackId: 'fb_from_page', keyKind: 'site' });

    await triage(fromBackend);
    await triage(fromPage);

    expect(store.cases.get('case_from_backend')?.contactVouched).toBe(true);
    expect(store.cases.get('case_from_page')?.contactVouched).toBe(false);
  });

  it('opens the case with team, assignee and deadlines, and writes opened then assigned', async () => {
    const fb = feedback();

    const result = await triage(fb);

    const caseId = fb.feedbackId.replace(/^fb_/, 'case_');
    expect(result).toEqual({
      outcome: 'case_opened',
      feedbackId: fb.feedbackId,
      caseId,
      teamId: 'orders',
      assigneeId: 'tanaka',
      severity: 'critical',
      attempts: 1,
    });
    expect(store.cases.get(caseId)).toEqual({
      caseId,
      ref: expect.stringMatching(caseRefPattern),
      feedbackId: fb.feedbackId,
      status: 'open',
      severity: 'critical',
      sentiment: 'negative',
      category: 'payment',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      teamId: 'orders',
      assigneeId: 'tanaka',
      routedBy: 'checkout-abandonment-to-orders',
      acknowledgeBy: '2026-11-18T03:00:00.000Z',
      resolveBy: '2026-11-19T08:00:00.000Z',
      escalationLevel: 0,
      version: 1,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      siteId: 'shop-jp',
      customerLocale: 'ja',
      contactConsent: true,
      contactVouched: false,
      summary: {
        excerpt: '支払い方法が選べませんでした',
        rating: { type: 'nps', score: 3 },
        customer: '山田 花子',
      },
    });
    const [opened, assigned] = store.timelines.get(caseId) ?? [];
    expect(opened).toMatchObject({
      at: now.toISOString(),
      type: 'opened',
      actor: 'system:triage',
      via: 'triage',
      data: {
        feedbackId: fb.feedbackId,
        category: 'payment',
        severity: 'critical',
        severityRule: 'checkout-abandonment-nps-detractor',
        sentiment: 'negative',
      },
    });
    expect(assigned).toEqual({
      at: now.toISOString(),
      type: 'assigned',
      actor: 'system:triage',
      via: 'triage',
      data: {
        teamId: 'orders',
        assigneeId: 'tanaka',
        routedBy: 'checkout-abandonment-to-orders',
        rule: 'fewest_open',
        category: 'payment',
        severity: 'critical',
      },
    });
    expect(store.open.get('orders/tanaka')).toBe(1);
  });

  it('puts the case on the SLA timers index, due at its pre-breach warning (75% of 2 business hours)', async () => {
    const fb = feedback();

    await triage(fb);

    expect(store.timers.get(fb.feedbackId.replace(/^fb_/, 'case_'))).toEqual({
      timerShard: expect.stringMatching(/^T#\d\d$/),
      dueAt: '2026-11-18T02:30:00.000Z', // Wednesday 11:30 JST
      dueStep: 'ack:warn',
    });
  });

  it('publishes case.opened and queues the critical staff notice and the customer notice through the outbox', async () => {
    const fb = feedback();

    await triage(fb);

    const caseId = fb.feedbackId.replace(/^fb_/, 'case_');
    expect([...store.outbox.keys()].sort()).toEqual(
      [
        `event:case.opened:${caseId}`,
        `notice:${caseId}:customer_received:received`,
        `notice:${caseId}:staff_new_critical:opened`,
      ].sort(),
    );
    const bus = store.outbox.get(`event:case.opened:${caseId}`)!;
    expect(bus.target).toBe('bus');
    expect(caseOpened.schema.parse(bus.message)).toMatchObject({
      caseId,
      teamId: 'orders',
      assigneeId: 'tanaka',
    });

    const staff = noticeRequested.schema.parse(
      store.outbox.get(`notice:${caseId}:staff_new_critical:opened`)!.message,
    );
    expect(staff).toMatchObject({
      noticeId: `${caseId}:staff_new_critical:opened`,
      kind: 'staff_new_critical',
      audience: 'staff',
      caseId,
      step: 'opened',
      to: [
        { email: 'makoto.tanaka@shop.example.jp', memberId: 'tanaka', locale: 'ja' },
        { email: 'orders@shop.example.jp' },
      ],
      data: { severity: 'critical', acknowledgeBy: '2026-11-18T03:00:00.000Z', comment: fb.comment },
    });

    const customer = noticeRequested.schema.parse(
      store.outbox.get(`notice:${caseId}:customer_received:received`)!.message,
    );
    expect(customer).toMatchObject({
      kind: 'customer_received',
      audience: 'customer',
      step: 'received',
      to: [{ email: 'hanako@example.jp', name: '山田 花子', locale: 'ja' }],
    });
    expect(store.outbox.get(`notice:${caseId}:customer_received:received`)!.target).toBe('notify');
  });

  it('sends no customer notice without consent and no staff notice for a routine case', async () => {
    const fb = feedback({
      touchpoint: 'delivery',
      rating: { type: 'csat', score: 1 },
      comment: '荷物が届かない',
      reasons: ['shipping_problem'],
      customer: { email: 'a@example.jp', contactConsent: false },
    });

    await triage(fb);

    const caseId = fb.feedbackId.replace(/^fb_/, 'case_');
    expect([...store.outbox.keys()]).toEqual([`event:case.opened:${caseId}`]);
    expect(store.cases.get(caseId)).toMatchObject({ severity: 'routine', contactConsent: false });
  });

  it("writes to the customer in their language (en-US → en), else in the site's default", async () => {
    const en = feedback({ customer: { email: 'a@example.com', locale: 'en-US', contactConsent: true } });
    const none = feedback({ siteId: 'shop-en', customer: { email: 'b@example.com', contactConsent: true } });

    await triage(en);
    await triage(none);

    expect(store.cases.get(en.feedbackId.replace('fb_', 'case_'))?.customerLocale).toBe('en');
    expect(store.cases.get(none.feedbackId.replace('fb_', 'case_'))?.customerLocale).toBe('en');
  });

  it('counts deadlines from receivedAt, not from when triage runs (the issue: Friday 17:30 + 2 h → Monday 10:30)', async () => {
    const late: TriageDeps = { ...deps, clock: new VirtualClock(new Date('2026-11-19T00:00:00Z')) };
    // Friday 2026-11-13 17:30 JST, critical (checkout detractor), 120 business minutes on 09:00–18:00.
    const friday = feedback({ receivedAt: '2026-11-13T08:30:00.000Z' });
    // Friday 2026-11-20 17:30 JST: Monday 11-23 is a public holiday (勤労感謝の日), so Tuesday.
    const beforeHoliday = feedback({ receivedAt: '2026-11-20T08:30:00.000Z' });

    await triage(friday, late);
    await triage(beforeHoliday, late);

    expect(store.cases.get(friday.feedbackId.replace('fb_', 'case_'))?.acknowledgeBy).toBe(
      '2026-11-16T01:30:00.000Z', // Monday 10:30 JST
    );
    expect(store.cases.get(beforeHoliday.feedbackId.replace('fb_', 'case_'))?.acknowledgeBy).toBe(
      '2026-11-24T01:30:00.000Z', // Tuesday 10:30 JST
    );
  });
});

describe('triage: counting', () => {
  it('counts a feedback without a case once, on its combined item, each reason and its cohort, in its week, and marks it triaged', async () => {
    const fb = feedback({
      touchpoint: 'product_use',
      channel: 'app',
      rating: { type: 'nps', score: 10 },
      comment: undefined,
      reasons: ['other', 'insufficient_product_info'],
      customer: undefined,
    });

    const result = await triage(fb);

    expect(result).toEqual({ outcome: 'counted', feedbackId: fb.feedbackId, teamId: 'pricing' });
    expect(store.cases.size).toBe(0);
    expect(store.outbox.size).toBe(0);
    expect(store.markers.get(fb.feedbackId)).toMatchObject({ week: '2026-W47', teamId: 'pricing' });
    expect(store.markers.get(fb.feedbackId)?.caseId).toBeUndefined();
    expect([...store.counters.keys()].sort()).toEqual(
      [
        // No customer.since: the cohort is unknown.
        'cohort#2026-W47#unknown',
        'combined#2026-W47#product_use|app|pricing',
        'reason#2026-W47#insufficient_product_info',
        'reason#2026-W47#other',
      ].sort(),
    );
    expect(store.counters.get('combined#2026-W47#product_use|app|pricing')).toMatchObject({
      responses: 1,
      npsCount: 1,
      npsPromoters: 1,
      npsDetractors: 0,
      negative: 0,
      cases: 0,
    });
  });

  it('counts a cancellation as churn on each of its items, and one that says nothing as churn but no response', async () => {
    const since = '2026-11-01';
    await triage(
      feedback({
        touchpoint: 'cancellation',
        rating: undefined,
        comment: undefined,
        reasons: ['too_expensive'],
        customer: { contactConsent: false, since },
      }),
    );
    await triage(
      feedback({
        touchpoint: 'cancellation',
        rating: undefined,
        comment: undefined,
        reasons: undefined,
        customer: { contactConsent: false, since },
      }),
    );

    expect(store.counters.get('reason#2026-W47#too_expensive')).toMatchObject({ churned: 1, responses: 1 });
    // Seventeen days a customer on 2026-11-18: new.
    expect(store.counters.get('cohort#2026-W47#new')).toMatchObject({ churned: 2, responses: 1 });
  });

  it('does not count the answer to a cancellation survey as a second cancellation', async () => {
    await triage(
      feedback({
        touchpoint: 'cancellation',
        rating: { type: 'nps', score: 2 },
        comment: undefined,
        reasons: ['too_expensive'],
        context: { invitationId: 'inv_1' },
      }),
    );

    expect(store.counters.get('reason#2026-W47#too_expensive')).toMatchObject({ churned: 0, responses: 1 });
  });

  it("uses the team's time zone for the week: Monday 08:00 JST is next week though UTC is still Sunday", async () => {
    const fb = feedback({ receivedAt: '2026-11-22T23:00:00.000Z' });

    await triage(fb);

    expect(store.markers.get(fb.feedbackId)?.week).toBe('2026-W48');
    expect(store.counters.has('combined#2026-W48#checkout_abandonment|web|orders')).toBe(true);
  });

  it('tallies CSAT, CES, thumbs and negative shares', async () => {
    const base = { touchpoint: 'delivery', channel: 'qr' as const, comment: undefined, customer: undefined };
    await triage(feedback({ ...base, rating: { type: 'csat', score: 5 }, reasons: [] }));
    await triage(feedback({ ...base, rating: { type: 'csat', score: 2 }, reasons: [] }));
    await triage(feedback({ ...base, rating: { type: 'ces', score: 6 }, reasons: [] }));
    await triage(feedback({ ...base, rating: { type: 'thumbs', score: 0 }, reasons: [] }));

    expect(store.counters.get('combined#2026-W47#delivery|qr|logistics')).toEqual({
      responses: 4,
      npsCount: 0,
      npsPromoters: 0,
      npsPassives: 0,
      npsDetractors: 0,
      npsSum: 0,
      csatCount: 2,
      csatSatisfied: 1,
      csatSum: 7,
      cesCount: 1,
      cesSum: 6,
      thumbsCount: 1,
      thumbsUp: 0,
      negative: 2,
      cases: 2,
      // A printed QR code is not the widget's prompt.
      promptAnswered: 0,
      churned: 0,
    });
  });
});

describe('triage: once in effect', () => {
  it('answers duplicate for a feedback triaged before and writes nothing more', async () => {
    const fb = feedback();
    await triage(fb);
    const counters = structuredClone([...store.counters]);

    const again = await triageFeedback(fb.feedbackId, deps);

    expect(again).toEqual({ outcome: 'duplicate', feedbackId: fb.feedbackId });
    expect(store.commits).toBe(1);
    expect([...store.counters]).toEqual(counters);
    expect(store.open.get('orders/tanaka')).toBe(1);
  });

  it('fails a message whose feedback does not exist (poison: it goes to the DLQ)', async () => {
    await expect(triageFeedback('fb_missing', deps)).rejects.toBeInstanceOf(FeedbackNotFound);
  });
});

describe('triage: assignment over several cases', () => {
  const webFeedback = () =>
    feedback({
      touchpoint: 'account_creation',
      rating: { type: 'thumbs', score: 0 },
      comment: 'ログインできない',
      reasons: [],
    });
  const ordersFeedback = () => feedback({ reasons: ['out_of_stock'], touchpoint: 'post_purchase' });

  it('round robin rotates through the web team and wraps', async () => {
    const assignees: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await triage(webFeedback());
      if (r.outcome === 'case_opened') assignees.push(r.assigneeId);
    }
    expect(assignees).toEqual(['sato', 'suzuki', 'takahashi', 'sato']);
    expect(store.cursors.get('web')).toEqual({ lastMemberId: 'sato', seq: 4 });
  });

  it('fewest open spreads the orders team and never picks the unavailable member', async () => {
    const assignees: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await triage(ordersFeedback());
      if (r.outcome === 'case_opened') assignees.push(r.assigneeId);
    }
    expect(assignees).toEqual(['tanaka', 'watanabe', 'yamamoto', 'tanaka', 'watanabe', 'yamamoto']);
    expect(store.open.get('orders/ito')).toBeUndefined();
  });

  it('re-reads the cursor and assigns the next member when another triage moved it first', async () => {
    let raced = false;
    store.beforeCommit = (w) => {
      if (!raced && w.opened?.assignment.cursor) {
        raced = true;
        store.cursors.set('web', { lastMemberId: 'sato', seq: 1 }); // someone else took sato
      }
    };

    const result = await triage(webFeedback());

    expect(result).toMatchObject({ outcome: 'case_opened', assigneeId: 'suzuki', attempts: 2 });
    expect(store.cursors.get('web')).toEqual({ lastMemberId: 'suzuki', seq: 2 });
  });

  it('gives up after maxAttempts lost races, so SQS retries the message later', async () => {
    let seq = 100;
    store.beforeCommit = () => {
      seq += 1;
      store.cursors.set('web', { lastMemberId: 'sato', seq });
    };
    const waits: number[] = [];

    const attempt = triage(webFeedback(), {
      ...deps,
      maxAttempts: 3,
      backoff: async (n) => {
        waits.push(n);
      },
    });

    await expect(attempt).rejects.toBeInstanceOf(AssignmentConflict);
    expect(waits).toEqual([1, 2]);
    expect(store.cases.size).toBe(0);
  });

  it('assigns the team lead when every member is unavailable', async () => {
    const allAway: Config = {
      ...config,
      teams: config.teams.map((t) =>
        t.id === 'web' ? { ...t, members: t.members.map((m) => ({ ...m, available: false })) } : t,
      ),
    };

    const result = await triage(webFeedback(), { ...deps, config: allAway });

    expect(result).toMatchObject({ outcome: 'case_opened', assigneeId: 'sato' });
    expect(store.timelines.get((result as { caseId: string }).caseId)?.[1]?.data.rule).toBe('lead_fallback');
    expect(store.cursors.has('web')).toBe(false);
  });
});

describe('triage: feedback.received for webhooks', () => {
  const withWebhook = (events: Config['webhooks'][number]['events']): Config => ({
    ...config,
    webhooks: [
      { id: 'crm', url: 'https://crm.example.jp/hooks', events, secretName: 's', includePersonalData: false },
    ],
  });

  it("publishes feedback.received in the marker's transaction, with or without a case, when a webhook asks for it", async () => {
    const d = { ...deps, config: withWebhook(['feedback.received']) };
    const withCase = feedback();
    const without = feedback({ rating: { type: 'nps', score: 10 }, comment: undefined, customer: undefined });

    await triage(withCase, d);
    await triage(without, d);

    for (const fb of [withCase, without]) {
      const entry = store.outbox.get(`event:feedback.received:${fb.feedbackId}`);
      expect(entry).toMatchObject({
        target: 'bus',
        message: {
          type: 'feedback.received',
          version: 1,
          feedbackId: fb.feedbackId,
          receivedAt: fb.receivedAt,
        },
      });
      expect(feedbackReceived.schema.safeParse(entry!.message).success).toBe(true);
      // A pointer: the comment and the address stay in the table.
      expect(JSON.stringify(entry!.message)).not.toMatch(/example\.jp|支払い/);
    }
  });

  it('publishes no feedback.received when no webhook asks for it (no outbox write per feedback)', async () => {
    const d = { ...deps, config: withWebhook(['case.opened']) };
    const fb = feedback({ rating: { type: 'nps', score: 10 }, comment: undefined, customer: undefined });

    await triage(fb, d);

    expect(store.outbox.size).toBe(0);
  });
});
