/**
 * In-memory stand-ins for the staff API's ports (shared/domain/staff-ports.ts), with the same
 * conditional-write behaviour as the DynamoDB adapters (version check, spent tokens), for unit
 * tests of the use cases and the handler. The adapters themselves are exercised against DynamoDB
 * Local by tests/integration/staff-api.test.ts.
 */

import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import { type ContactRef, contactIdOf } from '../../shared/domain/contact.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import type { BroadcastJob, BroadcastStore, Subscription } from '../../shared/domain/known-issue-ports.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';
import type { Problem } from '../../shared/domain/problem.ts';
import type {
  CaseWrite,
  CustomerDataStore,
  LoadedCase,
  MetricsReader,
  ProblemCheck,
  ProblemStore,
  RollupStore,
  StaffCaseStore,
  WeekRollup,
} from '../../shared/domain/staff-ports.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { customerHashOf } from '../../shared/repository/feedback-item.ts';

interface StoredCase {
  case: Case;
  timeline: { key: string; event: TimelineEvent }[];
  timer: Record<string, string>;
}

export class MemoryStaffStore implements StaffCaseStore, ProblemStore, MetricsReader, CustomerDataStore {
  readonly cases = new Map<string, StoredCase>();
  readonly feedbacks = new Map<string, Feedback & { erasedAt?: string }>();
  readonly problemsById = new Map<string, Problem>();
  readonly links = new Map<string, { caseId: string; teamId: string }[]>();
  readonly tokens = new Set<string>();
  readonly counters = new Map<string, number>();
  readonly outbox: CaseWrite['outbox'] = [];
  readonly metricItems: Record<string, unknown>[] = [];
  readonly commits: CaseWrite[] = [];
  /** Makes the next commits answer this (e.g. 'conflict'), one per entry. */
  readonly failNext: ('conflict' | 'stale')[] = [];

  addCase(c: Case, timeline: TimelineEvent[] = []): void {
    this.cases.set(c.caseId, {
      case: structuredClone(c),
      timeline: timeline.map((event, i) => ({
        key: `EVENT#${event.at}#${String(i).padStart(2, '0')}`,
        event,
      })),
      timer: {},
    });
  }

  timerOf(caseId: string) {
    return this.cases.get(caseId)?.timer;
  }

  async load(caseId: string): Promise<LoadedCase | undefined> {
    const s = this.cases.get(caseId);
    if (!s) return undefined;
    return structuredClone({
      case: s.case,
      timeline: s.timeline.map((t) => t.event),
      eventKeys: s.timeline.map((t) => t.key),
      timer: s.timer,
    });
  }

  async commit(w: CaseWrite) {
    const forced = this.failNext.shift();
    if (forced) return forced;
    const s = this.cases.get(w.caseId);
    if (!s || s.case.version !== w.expectedVersion) return 'stale' as const;
    if (w.singleUse && this.tokens.has(w.singleUse.jti)) return 'token_used' as const;
    if (w.singleUse) this.tokens.add(w.singleUse.jti);
    this.commits.push(structuredClone(w));
    s.case = { ...s.case, ...structuredClone(w.set) };
    s.timer = w.timer ? { ...w.timer } : {};
    for (const r of w.redactions ?? []) {
      const entry = s.timeline.find((t) => t.key === r.key);
      if (entry) entry.event = { ...entry.event, data: r.data };
    }
    w.events.forEach((event, i) => {
      s.timeline.push({ key: `EVENT#${event.at}#${String(50 + s.timeline.length + i)}`, event });
    });
    this.outbox.push(...w.outbox);
    for (const c of w.openCounters) {
      const key = `${c.teamId}/${c.memberId}`;
      this.counters.set(key, (this.counters.get(key) ?? 0) + c.delta);
    }
    for (const inc of w.counters) {
      for (const [name, v] of Object.entries(inc.tallies)) {
        const key = `${inc.dimension}/${inc.week}/${inc.key}/${name}`;
        this.counters.set(key, (this.counters.get(key) ?? 0) + (v ?? 0));
      }
    }
    if (w.unlinkCustomerFrom) {
      for (const l of this.links.get(w.unlinkCustomerFrom) ?? []) {
        if (l.caseId === w.caseId) delete (l as { customerRef?: string }).customerRef;
      }
    }
    if (w.link) {
      const { teamId, touchpoint, siteId, customerRef } = w.link;
      const linked = { caseId: w.caseId, teamId, touchpoint, ...(customerRef ? { customerRef } : {}) };
      this.links.set(w.link.problemId, [...(this.links.get(w.link.problemId) ?? []), linked]);
      const p = this.problemsById.get(w.link.problemId);
      if (p) {
        const add = (list: string[], v: string) => [...new Set([...list, v])].sort();
        p.touchpoints = add(p.touchpoints, touchpoint);
        p.teams = add(p.teams, teamId);
        p.siteIds = add(p.siteIds, siteId);
      }
    }
    return 'committed' as const;
  }

  async list(q: Parameters<StaffCaseStore['list']>[0]) {
    const all = [...this.cases.values()]
      .map((s) => s.case)
      .filter((c) => c.teamId === q.teamId)
      .filter((c) => !q.statuses || q.statuses.includes(c.status))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    const start = q.startKey ? Number(q.startKey.offset) : 0;
    const items = all.slice(start, start + q.limit);
    const next = start + items.length;
    return {
      items,
      reads: 1,
      ...(next < all.length ? { lastKey: { caseTeam: `TEAM#${q.teamId}`, offset: String(next) } } : {}),
    };
  }

  async caseIdOfRef(ref: string) {
    return [...this.cases.values()].find((s) => s.case.ref === ref)?.case.caseId;
  }

  async feedback(feedbackId: string) {
    return structuredClone(this.feedbacks.get(feedbackId));
  }

  async contact(feedbackId: string) {
    const c = this.feedbacks.get(feedbackId)?.customer;
    return c?.email ? { email: c.email, ...(c.name ? { name: c.name } : {}) } : undefined;
  }

  async tokenUsed(jti: string) {
    return this.tokens.has(jti);
  }

  // ---- problems ----
  async create(p: Problem) {
    if (this.problemsById.has(p.problemId)) return false;
    this.problemsById.set(p.problemId, structuredClone(p));
    return true;
  }
  async get(problemId: string) {
    return structuredClone(this.problemsById.get(problemId));
  }
  async linkedCases(problemId: string) {
    return structuredClone(this.links.get(problemId) ?? []);
  }
  async byStatus(q: Parameters<ProblemStore['byStatus']>[0]) {
    const all = [...this.problemsById.values()]
      .filter((p) => p.status === q.status)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    const start = q.startKey ? Number(q.startKey.offset) : 0;
    const items = structuredClone(all.slice(start, start + q.limit));
    const next = start + items.length;
    return {
      items,
      ...(next < all.length
        ? { lastKey: { problemStatus: `PROBLEMS#${q.status}`, offset: String(next) } }
        : {}),
    };
  }
  async update(
    problemId: string,
    expectedVersion: number,
    set: Partial<Problem>,
    also: { check?: ProblemCheck; broadcast?: BroadcastJob; outbox?: readonly OutboxEntry[] } = {},
  ) {
    const p = this.problemsById.get(problemId);
    if (!p || p.version !== expectedVersion) return 'stale' as const;
    if (also.broadcast) this.broadcasts.push(structuredClone(also.broadcast));
    const { touchpoints: _t, teams: _m, siteIds: _s, ...own } = structuredClone(set);
    this.problemsById.set(problemId, { ...p, ...own });
    if (also.check) this.checks.set(`${also.check.dueAt}#${also.check.problemId}`, also.check);
    this.outbox.push(...(also.outbox ?? []));
    return 'committed' as const;
  }
  readonly checks = new Map<string, ProblemCheck>();
  /** The broadcast jobs written with a resolution. */
  readonly broadcasts: BroadcastJob[] = [];
  async dueChecks(dueBy: string, limit: number) {
    return [...this.checks.values()]
      .filter((c) => c.dueAt <= dueBy)
      .sort((a, b) => (a.dueAt < b.dueAt ? -1 : 1))
      .slice(0, limit);
  }
  async dropCheck(check: ProblemCheck) {
    this.checks.delete(`${check.dueAt}#${check.problemId}`);
  }

  async setPublic(next: Problem, was: Problem) {
    const p = this.problemsById.get(next.problemId);
    if (!p || p.version !== was.version) return 'stale' as const;
    this.problemsById.set(next.problemId, structuredClone(next));
    return 'committed' as const;
  }

  // ---- metrics ----
  async week(dimension: string, week: string) {
    return this.metricItems.filter((i) => i.dimension === dimension && i.week === week);
  }

  // ---- erasure ----
  async feedbackIdsOf(hash: string) {
    return [...this.feedbacks.values()]
      .filter((f) => f.customer?.email && customerHashOf(f.customer.email) === hash)
      .map((f) => f.feedbackId);
  }
  async eraseFeedback(feedbackId: string, at: Date) {
    const f = this.feedbacks.get(feedbackId);
    if (!f) return 'missing' as const;
    const { comment: _c, context: _x, ...rest } = f;
    const { email: _e, name: _n, ...customer } = f.customer ?? {};
    this.feedbacks.set(feedbackId, { ...rest, customer, erasedAt: at.toISOString() });
    return 'erased' as const;
  }
  /** Contacts whose double opt-in state was erased (`<siteId>.<hash>`). */
  readonly erasedContacts: string[] = [];
  async eraseContact(ref: ContactRef) {
    this.erasedContacts.push(contactIdOf(ref));
  }
  readonly erasedJourneys: { customerHash: string; contactKeys: readonly string[] }[] = [];
  async eraseJourneys(customerHash: string, contactKeys: readonly string[]) {
    this.erasedJourneys.push({ customerHash, contactKeys });
    return 0;
  }
}

/** Weekly rollups in memory (shared/adapters/metrics-reader.ts `dynamoRollupStore` in DynamoDB). */
export class MemoryRollups implements RollupStore {
  readonly items = new Map<string, WeekRollup>();
  async get(groupBy: string, weeks: readonly string[]) {
    const found = new Map<string, WeekRollup>();
    for (const w of weeks) {
      const r = this.items.get(`${groupBy}#${w}`);
      if (r) found.set(w, r);
    }
    return found;
  }
  async put(r: WeekRollup) {
    this.items.set(`${r.groupBy}#${r.week}`, r);
  }
}

/**
 * In-memory broadcast store (shared/domain/known-issue-ports.ts) with the adapter's conditions: a
 * job armed once, the cursor moved only from where it was, each outbox id queued once.
 */
export class MemoryBroadcasts implements BroadcastStore {
  readonly jobs = new Map<string, BroadcastJob>();
  readonly subscriptions: Subscription[] = [];
  readonly confirmedIds = new Set<string>();
  readonly addresses = new Map<string, string>();
  /** Every notice queued, by id (a second put of an id is dropped, as the outbox's condition drops it). */
  readonly outbox = new Map<string, NoticeRequested>();
  /** Puts refused because the id was queued before. */
  duplicatePuts = 0;

  private key = (j: Pick<BroadcastJob, 'problemId' | 'resolution'>) => `${j.problemId}#${j.resolution}`;

  async pending() {
    return [...this.jobs.values()].map((j) => structuredClone(j));
  }
  async subscribers(problemId: string, cursor: string | undefined, limit: number) {
    const all = this.subscriptions
      .filter((s) => s.problemId === problemId)
      .sort((a, b) => `${a.hash}#${a.siteId}`.localeCompare(`${b.hash}#${b.siteId}`));
    const start = cursor === undefined ? 0 : Number(cursor);
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return { items, ...(next !== undefined ? { next } : {}) };
  }
  async confirmed(refs: readonly ContactRef[]) {
    return new Set(refs.map(contactIdOf).filter((id) => this.confirmedIds.has(id)));
  }
  async queue(notices: readonly NoticeRequested[]) {
    for (const n of notices) {
      if (this.outbox.has(n.noticeId)) this.duplicatePuts += 1;
      else this.outbox.set(n.noticeId, structuredClone(n));
    }
  }
  async advance(job: BroadcastJob, next: Partial<BroadcastJob>) {
    const stored = this.jobs.get(this.key(job));
    if (!stored || stored.cursor !== job.cursor) return false;
    this.jobs.set(this.key(job), { ...stored, ...structuredClone(next) });
    return true;
  }
  async finish(job: BroadcastJob) {
    this.jobs.delete(this.key(job));
  }
  async customerAddressOf(caseId: string) {
    return this.addresses.get(caseId);
  }
}
