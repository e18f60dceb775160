import { beforeEach, describe, expect, it } from 'vitest';
import { checkDueAt, type ImpactDeps, problemImpact, verifyDueProblems } from '../../core/problems/impact.ts';
import { createProblem, linkCases, listProblems, resolveProblem } from '../../core/problems/problems.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Case } from '../../shared/domain/case.ts';
import { ValidationFailed } from '../../shared/domain/errors.ts';
import { normalCdf, twoProportionPValue, verdictOf } from '../../shared/domain/impact.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { problemVerified } from '../../shared/events/problem-verified.ts';
import { sampleCase } from '../support/notices.ts';
import { MemoryBroadcasts, MemoryStaffStore } from '../support/staff-fakes.ts';

const example = loadConfigFile('closeloop.config.example.json');
const admin = { memberId: 'boss', teamIds: [], admin: true };
const tanaka = { memberId: 'tanaka', teamIds: ['orders'], admin: false };
// Wednesday 2026-11-18 10:00 JST, ISO week 2026-W47.
const RESOLVED_AT = new Date('2026-11-18T01:00:00Z');

let store: MemoryStaffStore;
let clock: VirtualClock;
let config: Config;

/** The frozen clock moved to `at` (a VirtualClock only moves forward by offsets). */
const setClock = (at: Date) => clock.advance(at.getTime() - clock.now().getTime());

const deps = () => ({
  cases: store,
  problems: store,
  metrics: store,
  clock,
  config,
  broadcasts: new MemoryBroadcasts(),
  newId: () => `id-${store.problemsById.size + 1}`,
  backoff: async () => {},
});

function seedCase(over: Partial<Case>) {
  const c = sampleCase({ createdAt: '2026-11-01T01:00:00.000Z', ...over });
  store.addCase(c, []);
  store.feedbacks.set(c.feedbackId, {
    feedbackId: c.feedbackId,
    siteId: 'shop-jp',
    touchpoint: c.touchpoint,
    channel: 'web',
    receivedAt: c.createdAt,
    bodyHash: 'x',
    customer: { email: `${c.caseId}@example.jp`, contactConsent: true },
  });
  return c;
}

/** One week's touchpoint counters: `negative` of `n` answers negative (NPS detractors), the rest promoters. */
function plant(week: string, touchpoint: string, n: number, negative: number) {
  store.metricItems.push({
    dimension: 'touchpoint',
    week,
    key: touchpoint,
    responses: n,
    negative,
    npsCount: n,
    npsDetractors: negative,
    npsPromoters: n - negative,
  });
}

async function resolvedProblem(): Promise<string> {
  seedCase({ caseId: 'case_a', feedbackId: 'fb_a', touchpoint: 'checkout_abandonment' });
  const p = await createProblem(
    { title: 'PSP outage', description: 'PSP down', customerMessage: 'Fixed' },
    admin,
    deps(),
  );
  await linkCases(p.problemId, ['case_a'], admin, deps());
  setClock(RESOLVED_AT);
  await resolveProblem(p.problemId, {}, tanaka, deps());
  return p.problemId;
}

beforeEach(() => {
  store = new MemoryStaffStore();
  clock = new VirtualClock(new Date('2026-11-10T01:00:00Z'));
  config = structuredClone(example);
});

describe('the two-proportion test', () => {
  it('matches the normal table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1.645)).toBeCloseTo(0.05, 3);
  });

  it('gives the textbook p-value for 45/100 against 30/100', () => {
    // Pooled p = 0.375, se = 0.06847, z = 2.19: two-sided p = 0.0285.
    const p = twoProportionPValue(
      { n: 100, negative: 45, npsCount: 0, npsPromoters: 0, npsDetractors: 0 },
      { n: 100, negative: 30, npsCount: 0, npsPromoters: 0, npsDetractors: 0 },
    );
    expect(p).toBeCloseTo(0.0285, 3);
  });

  it('calls a small sample no_change rather than improved, and an open window too_early', () => {
    const w = (n: number, negative: number) => ({
      n,
      negative,
      npsCount: 0,
      npsPromoters: 0,
      npsDetractors: 0,
    });
    expect(verdictOf(w(4, 3), w(4, 1), true).verdict).toBe('no_change');
    expect(verdictOf(w(100, 45), w(100, 30), true).verdict).toBe('improved');
    expect(verdictOf(w(100, 30), w(100, 45), true).verdict).toBe('worse');
    expect(verdictOf(w(100, 45), w(100, 30), false).verdict).toBe('too_early');
    expect(verdictOf(w(0, 0), w(100, 30), true)).toMatchObject({ verdict: 'no_change', pValue: null });
  });
});

describe('GET /v1/problems/{id}/impact', () => {
  it("compares the problem's touchpoints in the two whole weeks on each side of the resolution week", async () => {
    const id = await resolvedProblem();
    plant('2026-W45', 'checkout_abandonment', 50, 30);
    plant('2026-W46', 'checkout_abandonment', 50, 30);
    plant('2026-W47', 'checkout_abandonment', 50, 50); // the resolution week: left out
    plant('2026-W48', 'checkout_abandonment', 50, 5);
    plant('2026-W49', 'checkout_abandonment', 50, 5);
    plant('2026-W46', 'delivery', 500, 500); // another touchpoint: left out
    setClock(new Date('2026-12-09T00:00:00Z')); // W50 Wednesday: W49 has closed everywhere

    const impact = await problemImpact(id, deps());

    expect(impact.touchpoints).toEqual(['checkout_abandonment']);
    expect(impact.before).toEqual({ from: '2026-W45', to: '2026-W46', n: 100, negativeShare: 0.6, nps: -20 });
    expect(impact.after).toEqual({ from: '2026-W48', to: '2026-W49', n: 100, negativeShare: 0.1, nps: 80 });
    expect(impact.change).toBe(-0.5);
    expect(impact.pValue).toBeLessThan(0.001);
    expect(impact.verdict).toBe('improved');
  });

  it('says too_early while the after window is still open', async () => {
    const id = await resolvedProblem();
    plant('2026-W45', 'checkout_abandonment', 50, 30);
    plant('2026-W48', 'checkout_abandonment', 50, 5);
    setClock(new Date('2026-12-01T00:00:00Z')); // W49 runs

    expect((await problemImpact(id, deps())).verdict).toBe('too_early');
  });
});

describe('the fix check at the follow-up point', () => {
  it('is due 14 days after the resolution, or once the after window closed if that is later', () => {
    // Resolved Wednesday of W47: W49 ends Monday 2026-12-07 (UTC), a day of slack for every zone.
    expect(checkDueAt('2026-11-18T01:00:00.000Z', config)).toBe('2026-12-08T00:00:00.000Z');
    config.problems.verification.afterDays = 30;
    expect(checkDueAt('2026-11-18T01:00:00.000Z', config)).toBe('2026-12-18T01:00:00.000Z');
  });

  it("records the verdict once, tells the problem's owners and the bus (problem.verified), and drops the check", async () => {
    const id = await resolvedProblem();
    plant('2026-W45', 'checkout_abandonment', 50, 30);
    plant('2026-W48', 'checkout_abandonment', 50, 30);
    const before = store.outbox.length;

    setClock(new Date('2026-12-07T23:59:00Z'));
    expect((await verifyDueProblems(deps() as ImpactDeps)).verified).toEqual([]);
    setClock(new Date('2026-12-08T00:00:00Z'));
    const first = await verifyDueProblems(deps() as ImpactDeps);
    const second = await verifyDueProblems(deps() as ImpactDeps);

    expect(first.verified).toEqual([{ problemId: id, verdict: 'no_change', reopened: false }]);
    expect(second.verified).toEqual([]);
    const problem = store.problemsById.get(id)!;
    expect(problem).toMatchObject({
      status: 'resolved',
      verification: { verdict: 'no_change', resolution: 1 },
    });
    const written = store.outbox.slice(before).map((o) => o.message as { type: string });
    const notices = written.filter((m) => m.type === 'notice.requested') as NoticeRequested[];
    expect(notices.map((n) => n.kind)).toEqual(['staff_problem_verification']);
    const events = written.filter((m) => m.type === 'problem.verified');
    expect(events).toHaveLength(1);
    expect(problemVerified.schema.parse(events[0])).toMatchObject({
      problemId: id,
      resolution: 1,
      verdict: 'no_change',
      reopened: false,
    });
    // The resolver (tanaka), the creator (boss, not a member of any team: not addressable), the orders lead.
    const orders = config.teams.find((t) => t.id === 'orders')!;
    expect(new Set(notices[0]!.to.map((r) => r.memberId))).toEqual(new Set(['tanaka', orders.leadId]));
    const listed = await listProblems({ status: 'resolved' }, deps());
    expect(listed.items[0]).toMatchObject({ flagged: true, caseCount: 1, customerCount: 1 });
  });

  it('reopens the problem when the verdict is configured to', async () => {
    config.problems.verification.reopenOn = ['worse'];
    const id = await resolvedProblem();
    plant('2026-W45', 'checkout_abandonment', 100, 10);
    plant('2026-W48', 'checkout_abandonment', 100, 50);
    setClock(new Date('2026-12-08T00:00:00Z'));

    const result = await verifyDueProblems(deps() as ImpactDeps);

    expect(result.verified).toEqual([{ problemId: id, verdict: 'worse', reopened: true }]);
    expect(store.problemsById.get(id)!.status).toBe('open');
  });

  it('drops the check of a resolution that was reopened meanwhile, telling no one', async () => {
    const id = await resolvedProblem();
    const p = store.problemsById.get(id)!;
    store.problemsById.set(id, { ...p, status: 'open', version: p.version + 1 });
    const before = store.outbox.length;
    setClock(new Date('2026-12-08T00:00:00Z'));

    const result = await verifyDueProblems(deps() as ImpactDeps);

    expect(result).toEqual({ verified: [], dropped: 1 });
    expect(store.checks.size).toBe(0);
    expect(store.outbox.length).toBe(before);
  });
});

describe('GET /v1/problems', () => {
  it('lists open problems first, newest first, with counts of cases and distinct customers, page by page', async () => {
    for (const [i, id] of ['case_a', 'case_b', 'case_c'].entries()) {
      seedCase({
        caseId: id,
        feedbackId: `fb_${i}`,
        touchpoint: i === 2 ? 'delivery' : 'checkout_abandonment',
      });
    }
    // Two cases of one customer: one customer counted.
    store.feedbacks.get('fb_1')!.customer = { email: 'case_a@example.jp', contactConsent: true };
    const older = await createProblem({ title: 'Old', description: 'x' }, admin, deps());
    clock.advance(60_000);
    const newer = await createProblem(
      { title: 'New', description: 'y', customerMessage: 'ok' },
      admin,
      deps(),
    );
    await linkCases(newer.problemId, ['case_a', 'case_b', 'case_c'], admin, deps());
    await resolveProblem(older.problemId, { customerMessage: 'done' }, admin, deps());

    const first = await listProblems({ limit: 1 }, deps());
    const second = await listProblems({ limit: 1, cursor: first.cursor! }, deps());

    expect(first.items.map((i) => i.problem.problemId)).toEqual([newer.problemId]);
    expect(first.items[0]).toMatchObject({ caseCount: 3, customerCount: 2, flagged: false });
    expect(first.items[0]!.problem).toMatchObject({
      touchpoints: ['checkout_abandonment', 'delivery'],
      teams: ['orders'],
      siteIds: ['shop-jp'],
    });
    expect(second.items.map((i) => i.problem.problemId)).toEqual([older.problemId]);
    expect(second.cursor).toBeNull();
    expect((await listProblems({ status: 'open' }, deps())).items.map((i) => i.problem.title)).toEqual([
      'New',
    ]);
  });

  it("answers 400 for a cursor it did not write, or one of another status's listing", async () => {
    await createProblem({ title: 'A', description: 'x' }, admin, deps());
    await createProblem({ title: 'B', description: 'x' }, admin, deps());
    const page = await listProblems({ status: 'open', limit: 1 }, deps());

    await expect(listProblems({ cursor: 'not-a-cursor' }, deps())).rejects.toBeInstanceOf(ValidationFailed);
    await expect(listProblems({ status: 'resolved', cursor: page.cursor! }, deps())).rejects.toBeInstanceOf(
      ValidationFailed,
    );
  });
});
