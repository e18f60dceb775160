import { describe, expect, it, vi } from 'vitest';
import { runBroadcasts, subscriberNoticeId } from '../../core/problems/broadcast.ts';
import { createProblem, linkCases, resolveProblem } from '../../core/problems/problems.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import { StateConflict } from '../../shared/domain/errors.ts';
import type { BroadcastJob } from '../../shared/domain/known-issue-ports.ts';
import type { Problem } from '../../shared/domain/problem.ts';
import { sampleCase } from '../support/notices.ts';
import { MemoryBroadcasts, MemoryStaffStore } from '../support/staff-fakes.ts';

const config = loadConfigFile('closeloop.config.example.json');
const now = new Date('2026-12-07T05:00:00Z');
const problem: Problem = {
  problemId: 'prb_1',
  title: 'PSP down',
  description: 'The payment provider timed out',
  status: 'resolved',
  version: 2,
  createdAt: now.toISOString(),
  createdBy: 'staff:sato',
  updatedAt: now.toISOString(),
  resolutions: 1,
  touchpoints: ['checkout_abandonment'],
  teams: [],
  siteIds: [],
  publicTitle: 'Card payments fail',
};

function arranged(subscribers: string[], confirmed: string[], linked: string[]) {
  const store = new MemoryBroadcasts();
  for (const email of subscribers) {
    const ref = contactRefOf('shop-jp', email);
    store.subscriptions.push({
      problemId: 'prb_1',
      siteId: 'shop-jp',
      hash: ref.hash,
      email,
      createdAt: now.toISOString(),
    });
  }
  for (const email of confirmed) store.confirmedIds.add(contactIdOf(contactRefOf('shop-jp', email)));
  const job: BroadcastJob = {
    problemId: 'prb_1',
    resolution: 1,
    message: 'Fixed',
    changes: ['retry with backoff'],
    touchpoints: ['checkout_abandonment'],
    categories: ['payment'],
    affectedCases: linked.length,
    customersTold: linked.length,
    skip: linked.map((e) => contactRefOf('shop-jp', e).hash),
    createdAt: now.toISOString(),
  };
  store.jobs.set('prb_1#1', job);
  const deps = {
    broadcasts: store,
    problems: { get: async () => problem },
    config,
    clock: { now: () => now },
    pageSize: 2,
  };
  return { store, deps };
}

describe('the broadcast on resolution', () => {
  it('mails each confirmed subscriber once, skips a linked customer and an unconfirmed address, and tells the stakeholder teams', async () => {
    const { store, deps } = arranged(
      ['a@example.com', 'b@example.com', 'linked@example.com', 'pending@example.com', 'c@example.com'],
      ['a@example.com', 'b@example.com', 'linked@example.com', 'c@example.com'],
      ['linked@example.com'],
    );

    const result = await runBroadcasts(deps);

    const customer = [...store.outbox.values()].filter((n) => n.kind === 'customer_problem_resolved');
    expect(customer.map((n) => n.to[0]?.email).sort()).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
    const staff = [...store.outbox.values()].filter((n) => n.kind === 'staff_problem_resolved');
    expect(staff.map((n) => n.data.teamId).sort()).toEqual(['orders', 'web']);
    expect(result.finished).toBe(1);
    expect(store.jobs.size).toBe(0);
  });

  it('queues nothing twice when a run is cut off and the next one starts over from its cursor', async () => {
    const { store, deps } = arranged(
      ['a@example.com', 'b@example.com', 'c@example.com'],
      ['a@example.com', 'b@example.com', 'c@example.com'],
      [],
    );
    let pages = 0;
    await runBroadcasts(deps, () => pages++ >= 1);
    await runBroadcasts(deps);

    expect(
      store.outbox.has(subscriberNoticeId('prb_1', 1, contactRefOf('shop-jp', 'c@example.com').hash)),
    ).toBe(true);
    expect([...store.outbox.values()].filter((n) => n.kind === 'customer_problem_resolved')).toHaveLength(3);
    expect(store.jobs.size).toBe(0);
  });
});

describe('resolving a problem writes its broadcast', () => {
  const admin = { memberId: 'boss', teamIds: [], admin: true };

  async function linkedProblem(staff: MemoryStaffStore) {
    staff.addCase(sampleCase({ caseId: 'case_a', feedbackId: 'fb_a' }), []);
    const deps = {
      cases: staff,
      problems: staff,
      broadcasts: new MemoryBroadcasts(),
      clock: new VirtualClock(now),
      config,
      newId: () => 'id-1',
      backoff: async () => {},
    };
    const p = await createProblem({ title: 'PSP outage', description: 'PSP down' }, admin, deps);
    await linkCases(p.problemId, ['case_a'], admin, deps);
    return { problemId: p.problemId, deps };
  }

  it("in the resolution's own write: a resolve that lost its race leaves none, the retry's carries its own message", async () => {
    const staff = new MemoryStaffStore();
    const { problemId, deps } = await linkedProblem(staff);
    vi.spyOn(staff, 'update').mockResolvedValueOnce('stale');

    await expect(resolveProblem(problemId, { customerMessage: 'first' }, admin, deps)).rejects.toThrow(
      StateConflict,
    );
    expect(staff.broadcasts).toEqual([]);
    await resolveProblem(problemId, { customerMessage: 'second' }, admin, deps);
    await resolveProblem(problemId, { customerMessage: 'second, corrected' }, admin, deps);

    expect(staff.broadcasts).toHaveLength(1);
    expect(staff.broadcasts[0]).toMatchObject({ problemId, resolution: 1, message: 'second' });
  });
});
