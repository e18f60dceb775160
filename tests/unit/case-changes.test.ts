import { beforeEach, describe, expect, it } from 'vitest';
import { type CaseDeps, changeCase, type Requester } from '../../core/cases/case-changes.ts';
import { eraseCustomer, planErasure, REDACTED } from '../../core/cases/erasure.ts';
import { linkCaseActions } from '../../core/cases/link-actions.ts';
import { createProblem, linkCases, resolveProblem } from '../../core/problems/problems.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import { contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import { StateConflict } from '../../shared/domain/errors.ts';
import { caseResolved } from '../../shared/events/case-resolved.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { problemResolved } from '../../shared/events/problem-resolved.ts';
import { sampleCase } from '../support/notices.ts';
import { MemoryBroadcasts, MemoryStaffStore } from '../support/staff-fakes.ts';

const config = loadConfigFile('closeloop.config.example.json');
const tanaka: Requester = {
  kind: 'staff',
  principal: { memberId: 'tanaka', teamIds: ['orders'], admin: false },
};
let store: MemoryStaffStore;
let clock: VirtualClock;
let deps: CaseDeps;

const opened = (c: Case): TimelineEvent => ({
  at: c.createdAt,
  type: 'opened',
  actor: 'system:triage',
  via: 'triage',
  data: { receivedAt: c.createdAt, reasons: ['payment_method_unavailable'] },
});

function seed(over: Partial<Case> = {}, consent = true) {
  const c = sampleCase({ createdAt: '2026-11-20T01:00:00.000Z', contactConsent: consent, ...over });
  store.addCase(c, [opened(c)]);
  store.feedbacks.set(c.feedbackId, {
    feedbackId: c.feedbackId,
    siteId: 'shop-jp',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    receivedAt: c.createdAt,
    bodyHash: 'x',
    comment: '支払いができません',
    customer: { email: `${c.caseId}@example.jp`, name: '山田 花子', contactConsent: consent },
  });
  return c;
}

const act = (input: Parameters<typeof changeCase>[0]['input'], caseId = 'case_abc123', version?: number) =>
  changeCase(
    { caseId, input, requester: tanaka, ...(version !== undefined ? { expectedVersion: version } : {}) },
    deps,
  );
const current = (caseId = 'case_abc123') => store.cases.get(caseId)!.case;
const notices = () =>
  store.outbox.filter((o) => o.target === 'notify').map((o) => o.message as NoticeRequested);
const busEvents = () => store.outbox.filter((o) => o.target === 'bus').map((o) => o.message);

beforeEach(() => {
  store = new MemoryStaffStore();
  clock = new VirtualClock(new Date('2026-11-20T01:30:00Z')); // Friday 10:30 JST
  deps = { cases: store, clock, config, backoff: async () => {} };
  seed();
});

describe('one change = state + one event + timer + counters + notices, in one write', () => {
  it('acknowledging counts attainment (within 2 h) and moves the SLA timer to the resolve clock', async () => {
    await act({ action: 'acknowledge' }, 'case_abc123', 1);

    const [write] = store.commits;
    expect(write!.events.map((e) => e.type)).toEqual(['acknowledged']);
    expect(write!.timer?.dueStep).toBe('res:warn');
    expect(store.timerOf('case_abc123')?.dueStep).toBe('res:warn');
    expect(store.counters.get('combined/2026-W47/checkout_abandonment|web|orders/acknowledgedWithin2h')).toBe(
      1,
    );
    expect(store.counters.get('combined/2026-W47/checkout_abandonment|web|orders/ackMinutesLe30')).toBe(1);
    expect(store.counters.get('reason/2026-W47/payment_method_unavailable/acknowledged')).toBe(1);
  });

  it('pausing takes the case out of the timers index (the resolve clock stops); resuming puts it back later', async () => {
    await act({ action: 'acknowledge' }, 'case_abc123', 1);
    const resolveBy = current().resolveBy;
    await act({ action: 'pause', reason: 'waiting for the receipt' }, 'case_abc123', 2);
    const paused = store.timerOf('case_abc123');
    clock.advance(3 * 3_600_000);
    await act({ action: 'resume' }, 'case_abc123', 3);

    expect(paused).toEqual({});
    expect(current().status).toBe('acknowledged');
    expect(store.timerOf('case_abc123')?.dueStep).toBe('res:warn');
    // Three paused business hours (Friday 10:30–13:30 JST) push the resolve deadline back.
    expect(Date.parse(current().resolveBy)).toBeGreaterThan(Date.parse(resolveBy));
  });

  it('a progress update queues customer_progress with the message, to the address on the feedback', async () => {
    await act({ action: 'updates', message: '確認中です' }, 'case_abc123', 1);

    expect(notices()).toEqual([
      expect.objectContaining({
        kind: 'customer_progress',
        audience: 'customer',
        caseId: 'case_abc123',
        step: 'update:v2',
        to: [{ email: 'case_abc123@example.jp', name: '山田 花子', locale: 'ja' }],
        data: expect.objectContaining({ message: '確認中です', siteName: expect.any(String) }),
      }),
    ]);
    expect(store.commits[0]!.events[0]!.data).toMatchObject({ notice: 'requested' });
  });

  it('never queues a customer notice without contact consent, and says so on the event', async () => {
    seed({ caseId: 'case_noconsent', feedbackId: 'fb_noconsent' }, false);

    await act(
      {
        action: 'resolve',
        customerMessage: 'fixed',
        rootCause: 'x',
        actions: { internal: [], external: [] },
      },
      'case_noconsent',
      1,
    );

    expect(notices()).toEqual([]);
    expect(store.commits[0]!.events[0]!.data).toMatchObject({ notice: 'no_contact_consent' });
  });

  it('resolving queues customer_resolved with the customer-facing message, counts closed ≤ 48 h and frees the assignee', async () => {
    await act(
      {
        action: 'resolve',
        customerMessage: 'お支払い方法を追加しました',
        rootCause: 'provider config',
        actions: { internal: ['add monitor'], external: ['announce'] },
      },
      'case_abc123',
      1,
    );

    expect(current().status).toBe('resolved');
    expect(notices()).toEqual([
      expect.objectContaining({
        kind: 'customer_resolved',
        data: expect.objectContaining({ message: 'お支払い方法を追加しました' }),
      }),
    ]);
    expect(store.counters.get('combined/2026-W47/checkout_abandonment|web|orders/closedWithin48h')).toBe(1);
    expect(store.counters.get('combined/2026-W47/checkout_abandonment|web|orders/loopClosedWithin72h')).toBe(
      1,
    );
    expect(store.counters.get('orders/tanaka')).toBe(-1);
    // Resolved with consent: the next step is the follow-up survey.
    expect(store.timerOf('case_abc123')?.dueStep).toBe('follow_up');
  });

  it("publishes case.resolved (contract v1, no customer text) in the resolution's own write, once per resolution", async () => {
    await act({ action: 'notes', text: 'looking' }, 'case_abc123', 1);
    expect(busEvents()).toEqual([]);

    await act(
      { action: 'resolve', customerMessage: 'ok', rootCause: 'r', actions: { internal: [], external: [] } },
      'case_abc123',
      2,
    );

    const [event] = busEvents();
    expect(caseResolved.schema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      type: 'case.resolved',
      caseId: 'case_abc123',
      caseVersion: 3,
      resolvedBy: 'staff:tanaka',
      teamId: 'orders',
    });
    expect(JSON.stringify(event)).not.toMatch(/ok|@example/);
    expect(store.outbox.find((o) => o.target === 'bus')?.id).toBe('event:case.resolved:case_abc123:v3');
  });

  it('reassigning moves the open-case counter; reopening counts the case open again', async () => {
    await act({ action: 'assign', assigneeId: 'watanabe' }, 'case_abc123', 1);
    await act(
      { action: 'resolve', customerMessage: 'm', rootCause: 'r', actions: { internal: [], external: [] } },
      'case_abc123',
      2,
    );
    await act({ action: 'reopen', reason: 'not fixed' }, 'case_abc123', 3);

    expect(store.counters.get('orders/tanaka')).toBe(-1);
    expect(store.counters.get('orders/watanabe')).toBe(1); // +1 assign, −1 resolve, +1 reopen
    expect(current()).toMatchObject({ status: 'reopened', assigneeId: 'watanabe', version: 4 });
    expect(store.timerOf('case_abc123')?.dueStep).toMatch(/^r1:ack:/);
  });

  it('assigning the current assignee changes nothing (no event, no version)', async () => {
    const outcome = await act({ action: 'assign', assigneeId: 'tanaka' }, 'case_abc123', 1);

    expect(outcome.changed).toBe(false);
    expect(store.commits).toEqual([]);
  });
});

describe('signed links go through the same use case', () => {
  const links = () => linkCaseActions(deps);

  it('acknowledges via the link once: the token is spent in the same write; a second use is "used"', async () => {
    const once = { jti: 'jti-1', expiresAt: 2_000_000_000 };

    const first = await links().acknowledge('case_abc123', 'tanaka', 'signed_link', once);
    const second = await links().acknowledge('case_abc123', 'tanaka', 'signed_link', once);

    expect(first).toEqual({ outcome: 'done', status: 'acknowledged' });
    expect(second).toEqual({ outcome: 'used' });
    expect(store.commits[0]).toMatchObject({ singleUse: { jti: 'jti-1', act: 'acknowledge' } });
    expect(store.commits[0]!.events[0]).toMatchObject({ actor: 'staff:tanaka', via: 'signed_link' });
    expect(store.counters.get('combined/2026-W47/checkout_abandonment|web|orders/acknowledged')).toBe(1);
  });

  it('reads again and acts on the version it finds when the case moved meanwhile', async () => {
    store.failNext.push('stale');

    const result = await links().claim('case_abc123', 'watanabe', 'signed_link');

    expect(result).toEqual({ outcome: 'done', status: 'open' });
    expect(current().assigneeId).toBe('watanabe');
  });

  it('records a bad follow-up answer as verified + reopened (escalating) on a resolved case only', async () => {
    await act(
      { action: 'resolve', customerMessage: 'm', rootCause: 'r', actions: { internal: [], external: [] } },
      'case_abc123',
      1,
    );

    const bad = await links().rate('case_abc123', 'bad');
    const again = await links().rate('case_abc123', 'good');

    expect(bad).toEqual({ outcome: 'done', status: 'reopened' });
    expect(store.commits[1]!.events.map((e) => [e.type, e.actor])).toEqual([
      ['verified', 'customer'],
      ['reopened', 'customer'],
    ]);
    expect(store.commits[1]!.events[1]!.data.reason).toBe('follow_up_bad');
    expect(again).toEqual({ outcome: 'conflict', status: 'reopened' });
  });
});

describe('problems', () => {
  const admin = { memberId: 'boss', teamIds: [], admin: true };
  const broadcasts = new MemoryBroadcasts();
  const problemDeps = () => ({ ...deps, problems: store, broadcasts, newId: () => 'id-1' });

  it('resolves every linked open case with the problem message, each customer told once, and skips closed ones', async () => {
    seed({ caseId: 'case_b', feedbackId: 'fb_b', teamId: 'web', assigneeId: 'sato' });
    seed({ caseId: 'case_c', feedbackId: 'fb_c', status: 'resolved' });
    const problem = await createProblem(
      { title: 'Payment outage', description: 'PSP down', customerMessage: 'Fixed now' },
      admin,
      problemDeps(),
    );
    await linkCases(problem.problemId, ['case_abc123', 'case_b', 'case_c'], admin, problemDeps());

    const result = await resolveProblem(problem.problemId, {}, admin, problemDeps());
    const again = await resolveProblem(problem.problemId, {}, admin, problemDeps());

    expect(result.resolved.sort()).toEqual(['case_abc123', 'case_b']);
    expect(result.skipped).toEqual([{ caseId: 'case_c', status: 'resolved' }]);
    expect(again.resolved).toEqual([]);
    expect(
      notices()
        .filter((n) => n.kind === 'customer_problem_resolved')
        .map((n) => n.caseId)
        .sort(),
    ).toEqual(['case_abc123', 'case_b']);
    expect(notices()[0]!.data).toMatchObject({ message: 'Fixed now', problemTitle: 'Payment outage' });
    expect(current('case_b')).toMatchObject({ status: 'resolved', problemId: problem.problemId });
  });

  it('publishes problem.resolved once per resolution, and case.resolved for each case it resolves', async () => {
    seed({ caseId: 'case_b', feedbackId: 'fb_b' });
    const admin = { memberId: 'admin', teamIds: [], admin: true };
    const problem = await createProblem(
      { title: 'Payment outage', description: 'PSP down', customerMessage: 'Fixed now' },
      admin,
      problemDeps(),
    );
    await linkCases(problem.problemId, ['case_abc123', 'case_b'], admin, problemDeps());

    await resolveProblem(problem.problemId, {}, admin, problemDeps());
    await resolveProblem(problem.problemId, {}, admin, problemDeps());

    const events = busEvents();
    expect(events.filter((e) => e.type === 'problem.resolved')).toEqual([
      expect.objectContaining({ problemId: problem.problemId, resolution: 1, resolvedBy: 'staff:admin' }),
    ]);
    expect(problemResolved.schema.safeParse(events.find((e) => e.type === 'problem.resolved')).success).toBe(
      true,
    );
    expect(
      events
        .filter((e) => e.type === 'case.resolved')
        .map((e) => [e.caseId, e.problemId])
        .sort(),
    ).toEqual([
      ['case_abc123', problem.problemId],
      ['case_b', problem.problemId],
    ]);
  });

  it('checks every case before linking any: a case of another team is 403 and nothing is linked', async () => {
    seed({ caseId: 'case_web', feedbackId: 'fb_web', teamId: 'web', assigneeId: 'sato' });
    const member = { memberId: 'tanaka', teamIds: ['orders'], admin: false };
    const problem = await createProblem({ title: 't', description: 'd' }, member, problemDeps());

    await expect(
      linkCases(problem.problemId, ['case_abc123', 'case_web'], member, problemDeps()),
    ).rejects.toThrow('not a member of team web');
    expect(store.commits).toEqual([]);
  });

  it('refuses to link a case that belongs to another problem', async () => {
    const p1 = await createProblem({ title: 'one', description: 'd' }, admin, problemDeps());
    const p2 = await createProblem({ title: 'two', description: 'd' }, admin, {
      ...problemDeps(),
      newId: () => 'id-2',
    });
    await linkCases(p1.problemId, ['case_abc123'], admin, problemDeps());

    await expect(linkCases(p2.problemId, ['case_abc123'], admin, problemDeps())).rejects.toBeInstanceOf(
      StateConflict,
    );
  });
});

describe('erasure', () => {
  const admin = { memberId: 'boss', teamIds: [], admin: true };

  it('removes email, name, comment and context, keeps ratings, and appends one erased event per case with quotes redacted', async () => {
    await act({ action: 'notes', text: 'Called 山田 花子 at case_abc123@example.jp' }, 'case_abc123', 1);

    const result = await eraseCustomer('CASE_ABC123@example.jp', admin, { ...deps, customers: store });
    const again = await eraseCustomer('case_abc123@example.jp', admin, { ...deps, customers: store });

    expect(result).toEqual({ feedback: 1, cases: 1 });
    expect(again).toEqual({ feedback: 0, cases: 0 });
    const fb = store.feedbacks.get('fb_abc123')!;
    expect(fb).not.toHaveProperty('comment');
    expect(fb.customer).toEqual({ contactConsent: true });
    expect(fb.touchpoint).toBe('checkout_abandonment');
    expect(current()).toMatchObject({ contactConsent: false, version: 3 });
    const timeline = store.cases.get('case_abc123')!.timeline.map((t) => t.event);
    expect(timeline.filter((e) => e.type === 'erased')).toHaveLength(1);
    expect(timeline.find((e) => e.type === 'note')!.data.text).toBe(`Called ${REDACTED} at ${REDACTED}`);
  });

  it('forgets the double opt-in state of the address at every site, plus-tags included', async () => {
    await eraseCustomer('Case_ABC123+shop@example.jp', admin, { ...deps, customers: store });

    expect(store.erasedContacts).toEqual(
      deps.config.sites.map((s) => contactIdOf(contactRefOf(s.id, 'case_abc123@example.jp'))),
    );
  });

  it('plans nothing for a case already erased for that feedback', () => {
    const c = sampleCase();
    const erased: TimelineEvent = {
      at: c.createdAt,
      type: 'erased',
      actor: 'staff:boss',
      via: 'api',
      data: { feedbackId: c.feedbackId },
    };

    const write = planErasure(
      { case: c, timeline: [erased], eventKeys: ['EVENT#x#00'], timer: {} },
      c.feedbackId,
      ['x@example.jp'],
      'staff:boss',
      clock.now(),
      config,
    );

    expect(write).toBeUndefined();
  });

  it('is for admins only', async () => {
    await expect(
      eraseCustomer('case_abc123@example.jp', tanaka.kind === 'staff' ? tanaka.principal : admin, {
        ...deps,
        customers: store,
      }),
    ).rejects.toThrow('admins only');
  });
});
