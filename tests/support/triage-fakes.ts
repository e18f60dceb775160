import type { AssignmentState, RoundRobinCursor } from '../../shared/domain/assignment.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import type { Tallies } from '../../shared/domain/metrics.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';
import {
  AssignmentConflict,
  type AssignmentStateReader,
  CaseRefTaken,
  type CommitResult,
  type FeedbackReader,
  type TriageMarker,
  type TriageStore,
  type TriageWrite,
} from '../../shared/domain/triage-ports.ts';

/**
 * In-memory stand-in for the table behind the triage ports, with the same all-or-nothing and
 * condition semantics as the DynamoDB transaction: an existing marker or case makes the commit a
 * no-op `duplicate`; a cursor whose sequence moved throws `AssignmentConflict`; a case reference
 * another case holds throws `CaseRefTaken`.
 */
export class InMemoryTriage implements FeedbackReader, AssignmentStateReader, TriageStore {
  readonly feedback = new Map<string, Feedback>();
  readonly markers = new Map<string, TriageMarker>();
  readonly cases = new Map<string, Case>();
  readonly timelines = new Map<string, TimelineEvent[]>();
  /** caseId → the SLA timer attributes written on the case item. */
  readonly timers = new Map<string, NonNullable<NonNullable<TriageWrite['opened']>['timer']>>();
  readonly cursors = new Map<string, RoundRobinCursor>();
  /** `teamId/memberId` → open cases. */
  readonly open = new Map<string, number>();
  /** `dimension#week#key` → tallies. */
  readonly counters = new Map<string, Tallies>();
  readonly outbox = new Map<string, OutboxEntry>();
  /** Case reference → the case holding it. */
  readonly refs = new Map<string, string>();
  commits = 0;
  /** Called before each commit; lets a test move the cursor "concurrently". */
  beforeCommit: ((write: TriageWrite) => void) | undefined;

  add(...feedback: Feedback[]): this {
    for (const f of feedback) this.feedback.set(f.feedbackId, f);
    return this;
  }

  setState(teamId: string, state: { cursor?: RoundRobinCursor; open?: Record<string, number> }): this {
    if (state.cursor) this.cursors.set(teamId, state.cursor);
    for (const [member, n] of Object.entries(state.open ?? {})) this.open.set(`${teamId}/${member}`, n);
    return this;
  }

  async get(feedbackId: string) {
    return this.feedback.get(feedbackId);
  }

  async read(teamId: string): Promise<AssignmentState> {
    const open: Record<string, number> = {};
    for (const [k, n] of this.open) {
      const [team, member] = k.split('/') as [string, string];
      if (team === teamId) open[member] = n;
    }
    const cursor = this.cursors.get(teamId);
    return cursor ? { cursor, open } : { open };
  }

  async commit(w: TriageWrite): Promise<CommitResult> {
    this.beforeCommit?.(w);
    if (this.markers.has(w.marker.feedbackId)) return 'duplicate';
    if (w.opened && this.cases.has(w.opened.case.caseId)) return 'duplicate';
    const ref = w.opened?.case.ref;
    if (ref !== undefined && this.refs.has(ref)) throw new CaseRefTaken(ref);
    const cursor = w.opened?.assignment.cursor;
    if (cursor && this.cursors.get(w.opened!.assignment.teamId)?.seq !== cursor.expectedSeq) {
      throw new AssignmentConflict(w.opened!.assignment.teamId);
    }
    if (new Set(w.outbox.map((o) => o.id)).size !== w.outbox.length) throw new Error('duplicate outbox id');
    this.commits++;
    this.markers.set(w.marker.feedbackId, structuredClone(w.marker));
    if (w.opened) {
      const { case: c, events, assignment } = w.opened;
      this.cases.set(c.caseId, structuredClone(c));
      if (c.ref !== undefined) this.refs.set(c.ref, c.caseId);
      this.timelines.set(c.caseId, structuredClone(events));
      if (w.opened.timer) this.timers.set(c.caseId, { ...w.opened.timer });
      if (assignment.cursor) this.cursors.set(assignment.teamId, assignment.cursor.next);
      const k = `${assignment.teamId}/${assignment.memberId}`;
      this.open.set(k, (this.open.get(k) ?? 0) + 1);
    }
    for (const c of w.counters) {
      const k = `${c.dimension}#${c.week}#${c.key}`;
      const prev = this.counters.get(k);
      const next = { ...c.tallies };
      if (prev) for (const name of Object.keys(next) as (keyof Tallies)[]) next[name] += prev[name];
      this.counters.set(k, next);
    }
    for (const o of w.outbox) this.outbox.set(o.id, structuredClone(o));
    return 'committed';
  }
}
