import type { Config } from '../../shared/config/schema.ts';
import { attainmentOnClosed } from '../../shared/domain/attainment.ts';
import { type Case, caseFacts, customerNoticeFacts, type TimelineEvent } from '../../shared/domain/case.ts';
import { caseNotice, noticeEntry, type OutboxEntry } from '../../shared/domain/outbox.ts';
import { isPurge } from '../../shared/domain/retention.ts';
import {
  eventTypeOfStep,
  levelRank,
  nextTimerStep,
  type SlaContext,
  type SlaStep,
  sameTimer,
  slaContextOf,
  slaDeadlines,
  stepRecipients,
} from '../../shared/domain/sla.ts';
import type {
  CustomerContact,
  SlaStore,
  StepWrite,
  StoredCase,
  TimerIndex,
} from '../../shared/domain/sla-ports.ts';
import { DAY_MS } from '../../shared/domain/time.ts';
import { type CaseEscalated, caseEscalated } from '../../shared/events/case-escalated.ts';
import type { NoticeKind, NoticeRequested } from '../../shared/events/notice-requested.ts';
import { logger } from '../../shared/observability.ts';
import { timerFieldsOf, timerShards } from '../../shared/repository/case-timer.ts';
import { forEachDue } from '../pool.ts';

export const SLA_ACTOR = 'system:sla';
export const SLA_VIA = 'sla';
/** Cases processed at once by one sweep (each is a Query, then one transaction per step). */
export const DEFAULT_CONCURRENCY = 48;
/** Steps one case may fire in one run (several can be due after an outage or a late acknowledgment). */
const MAX_STEPS_PER_CASE = 12;
/** Fresh reads and tries of a case whose transaction met a concurrent one (TransactionConflict). */
const MAX_ATTEMPTS = 3;

export interface SweepDeps {
  timers: TimerIndex;
  store: SlaStore;
  config: Config;
  /** Cases in flight at once (default 48). */
  concurrency?: number;
  /**
   * Asked before each due case is started; true stops starting new ones (they stay due and the
   * next run takes them). The Lambda handler stops a few seconds before its timeout.
   */
  shouldStop?: () => boolean;
  /** Pause before another try after a TransactionConflict (default: a few random milliseconds). */
  backoff?: (attempt: number) => Promise<void>;
}

export interface FiredStep {
  caseId: string;
  stepId: string;
  kind: SlaStep['kind'];
  clock?: SlaStep['clock'];
  level?: SlaStep['level'];
  /** 0 for the first rung of a clock's ladder (the breach). */
  rung?: number;
  severity: Case['severity'];
  teamId: string;
  /** How long after its due time the step fired (ms). */
  lagMs: number;
}

export interface SweepResult {
  now: string;
  /** Query pages read across all shards, and what DynamoDB counted in them. */
  pages: number;
  count: number;
  scannedCount: number;
  /** Distinct cases the index listed as due. */
  due: number;
  fired: FiredStep[];
  /** Cases whose step another writer (a concurrent sweep, a staff action) got to first. */
  lost: number;
  /** Stale timers moved to where the timeline says. */
  retimed: number;
  /** Closed cases deleted, past their retention. */
  purged: number;
  /** Listed as due but nothing to do (already handled; the index lags the table slightly). */
  idle: number;
  /** Cases not started because the run was asked to stop (they stay due). */
  deferred: number;
  errors: number;
}

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.round(Math.random() * 25 * attempt)));

/**
 * One run of the SLA engine (docs/design.md#sla-engine): query every timer shard for what is due at `now`
 * (in parallel, every page, no cap), then, with bounded parallelism, for each due case recompute
 * its next step from the timeline and, if due, fire it in one transaction (case update
 * conditional on version and due step + timeline event + outbox notice). A sweep that loses the
 * condition skips the case: the step fired once, elsewhere.
 */
export async function sweepDue(now: Date, deps: SweepDeps): Promise<SweepResult> {
  const result: SweepResult = {
    now: now.toISOString(),
    pages: 0,
    count: 0,
    scannedCount: 0,
    due: 0,
    fired: [],
    lost: 0,
    retimed: 0,
    purged: 0,
    idle: 0,
    deferred: 0,
    errors: 0,
  };
  const nowIso = now.toISOString();
  await forEachDue(
    timerShards,
    (shard, onIds) =>
      deps.timers.due(shard, nowIso, async (page) => {
        result.pages += 1;
        result.count += page.count;
        result.scannedCount += page.scannedCount;
        await onIds(page.caseIds);
      }),
    (caseId) => processCase(caseId, now, deps, result),
    result,
    {
      concurrency: deps.concurrency ?? DEFAULT_CONCURRENCY,
      ...(deps.shouldStop ? { shouldStop: deps.shouldStop } : {}),
      failed: (caseId, error) => logger.error('sla step failed', { caseId, error: error as Error }),
    },
  );
  return result;
}

async function processCase(caseId: string, now: Date, deps: SweepDeps, result: SweepResult): Promise<void> {
  const nowIso = now.toISOString();
  /** Steps this run fired for the case (across tries: it numbers their events). */
  let firedHere = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await deps.store.load(caseId);
    if (stored === undefined) return;
    let state = stored;
    const ctx = slaContextOf(state.case, deps.config);
    for (let n = 0; n < MAX_STEPS_PER_CASE; n++) {
      const step = nextTimerStep(state.case, state.timeline, ctx);
      if (step === undefined || step.dueAt > nowIso) {
        const wanted = timerFieldsOf(caseId, step);
        if (!sameTimer(state.timer, wanted)) {
          const outcome = await deps.store.retime(caseId, expectedOf(state), wanted);
          if (outcome === 'committed') result.retimed += 1;
          else if (outcome === 'lost') result.lost += 1;
          else if (attempt < MAX_ATTEMPTS) break;
        } else if (firedHere === 0) {
          result.idle += 1;
        }
        return;
      }
      if (isPurge(step)) {
        const outcome = await deps.store.purge(caseId, expectedOf(state));
        if (outcome === 'committed') result.purged += 1;
        else if (outcome === 'lost') result.lost += 1;
        return;
      }
      const contact =
        step.kind === 'follow_up' && state.case.contactConsent
          ? await deps.store.contact(state.case.feedbackId)
          : undefined;
      // The event's slot (`EVENT#<now>#<90 + n>`) follows every sweep event already at this instant,
      // not only this run's: a run interrupted at the same `now` (a frozen or replayed clock) has
      // taken the first slots, and reusing one would fail the transaction on every try.
      const atNow = state.timeline.filter((e) => e.at === nowIso && e.actor === SLA_ACTOR).length;
      const write = planStep(state, step, ctx, now, deps.config, contact, atNow);
      const outcome = await deps.store.commit(write);
      if (outcome === 'lost') {
        result.lost += 1;
        return;
      }
      if (outcome === 'conflict') break; // re-read and try again
      firedHere += 1;
      result.fired.push({
        caseId,
        stepId: step.stepId,
        kind: step.kind,
        ...(step.clock ? { clock: step.clock } : {}),
        ...(step.level ? { level: step.level } : {}),
        ...(step.rung !== undefined ? { rung: step.rung } : {}),
        severity: state.case.severity,
        teamId: state.case.teamId,
        lagMs: now.getTime() - Date.parse(step.dueAt),
      });
      state = {
        case: { ...state.case, ...write.set },
        timeline: [...state.timeline, write.event],
        timer: write.timer ?? {},
      };
    }
    if (attempt < MAX_ATTEMPTS) await (deps.backoff ?? defaultBackoff)(attempt);
  }
}

const expectedOf = (s: StoredCase) => ({ version: s.case.version, dueStep: s.timer.dueStep });

/** The transaction of one step: the case's new state, its event, its notice, its counters. */
export function planStep(
  stored: StoredCase,
  step: SlaStep,
  ctx: SlaContext,
  now: Date,
  config: Config,
  contact?: CustomerContact,
  eventIndex = 0,
): StepWrite {
  const c = stored.case;
  const at = now.toISOString();
  const set: StepWrite['set'] = { version: c.version + 1, updatedAt: at };
  if (step.kind === 'escalate' && step.level) set.escalationLevel = levelRank[step.level];
  if (step.kind === 'auto_close') set.status = 'closed';
  const deadlines = slaDeadlines(c, stored.timeline, ctx.calendar, ctx.policy);
  if (deadlines.acknowledgeBy !== c.acknowledgeBy) set.acknowledgeBy = deadlines.acknowledgeBy;
  if (deadlines.resolveBy !== undefined && deadlines.resolveBy !== c.resolveBy)
    set.resolveBy = deadlines.resolveBy;

  const outbox: OutboxEntry[] = [];
  const data: Record<string, unknown> = { stepId: step.stepId, dueAt: step.dueAt };
  if (step.kind === 'warn' || step.kind === 'escalate') {
    Object.assign(data, {
      clock: step.clock,
      ...(step.level ? { level: step.level } : {}),
      deadline: step.deadline,
      assigneeId: c.assigneeId,
    });
    const to = stepRecipients(step, c, ctx.team, config.executives);
    data.notified = to.map((r) => r.memberId ?? r.email);
    const kind: NoticeKind = step.kind === 'warn' ? 'staff_pre_breach' : 'staff_escalation';
    outbox.push(stepNotice(c, kind, step, 'staff', to, staffNoticeData(c, step, ctx, set), at));
    if (step.kind === 'escalate' && step.level) {
      // On the bus in the step's own transaction: the webhooks and Slack hear of each rung once.
      const event: CaseEscalated = {
        type: 'case.escalated',
        version: 1,
        ...escalationFacts(c),
        teamId: c.teamId,
        assigneeId: c.assigneeId,
        level: step.level,
        ...(step.clock ? { clock: step.clock } : {}),
        ...(step.deadline ? { deadline: step.deadline } : {}),
        stepId: step.stepId,
        escalationLevel: levelRank[step.level],
        escalatedAt: at,
      };
      outbox.push({
        id: `event:${caseEscalated.name}:${c.caseId}:${step.stepId}`,
        target: 'bus',
        message: event,
      });
    }
  } else if (step.kind === 'follow_up') {
    const respondBy = new Date(now.getTime() + ctx.followUp.closeUnansweredAfterDays * DAY_MS).toISOString();
    data.respondBy = respondBy;
    if (!c.contactConsent) data.notice = 'no_contact_consent';
    else if (contact === undefined) data.notice = 'no_address';
    else {
      data.notice = 'requested';
      const site = config.sites.find((s) => s.id === c.siteId);
      const resolvedAt = [...stored.timeline].reverse().find((e) => e.type === 'resolved')?.at;
      outbox.push(
        stepNotice(
          c,
          'customer_follow_up',
          step,
          'customer',
          [
            {
              email: contact.email,
              ...(contact.name ? { name: contact.name } : {}),
              locale: c.customerLocale,
            },
          ],
          {
            ...customerNoticeFacts(c, site?.name),
            ...(resolvedAt ? { resolvedAt } : {}),
            respondBy,
            /** The survey's answer is tied to this step (a reopened case asks again with r<k>:follow_up). */
            surveyStep: step.stepId,
          },
          at,
        ),
      );
    }
  } else {
    data.reason = 'unverified';
    const sent = [...stored.timeline].reverse().find((e) => e.type === 'follow_up_sent');
    if (sent) data.followUpSentAt = sent.at;
  }

  const event: TimelineEvent = { at, type: eventTypeOfStep(step.kind), actor: SLA_ACTOR, via: SLA_VIA, data };
  const after: Case = { ...c, ...set };
  const timeline = [...stored.timeline, event];
  const next = nextTimerStep(after, timeline, ctx);
  return {
    caseId: c.caseId,
    at: now,
    expected: expectedOf(stored),
    set,
    timer: timerFieldsOf(c.caseId, next),
    event,
    eventIndex,
    outbox,
    counters:
      step.kind === 'auto_close'
        ? attainmentOnClosed(c, stored.timeline, now, 'unverified', ctx.calendar.timeZone)
        : [],
  };
}

/**
 * Template data of a staff warning / escalation (shared/notices/templates.ts `slaFacts`): `clock`
 * names the deadline, `deadline` is its instant, `escalationLevel` the case's level once it fired.
 */
function staffNoticeData(
  c: Case,
  step: SlaStep,
  ctx: SlaContext,
  set: StepWrite['set'],
): Record<string, unknown> {
  const assignee = ctx.team.members.find((m) => m.id === c.assigneeId);
  return {
    ...caseFacts(c),
    status: c.status,
    teamId: ctx.team.id,
    teamName: ctx.team.name,
    assigneeId: c.assigneeId,
    ...(assignee ? { assigneeName: assignee.name } : {}),
    clock: step.clock,
    deadline: step.deadline,
    ...(step.level ? { level: step.level } : {}),
    ...(step.rung !== undefined ? { rung: step.rung + 1 } : {}),
    stepId: step.stepId,
    dueAt: step.dueAt,
    acknowledgeBy: set.acknowledgeBy ?? c.acknowledgeBy,
    resolveBy: set.resolveBy ?? c.resolveBy,
    escalationLevel: set.escalationLevel ?? c.escalationLevel,
    createdAt: c.createdAt,
    timeZone: ctx.calendar.timeZone,
  };
}

/** The case facts an escalation event names (no customer text). */
const escalationFacts = (c: Case) => ({
  caseId: c.caseId,
  ...(c.ref ? { caseRef: c.ref } : {}),
  feedbackId: c.feedbackId,
  siteId: c.siteId,
  severity: c.severity,
  touchpoint: c.touchpoint,
});

function stepNotice(
  c: Case,
  kind: NoticeKind,
  step: SlaStep,
  audience: NoticeRequested['audience'],
  to: NoticeRequested['to'],
  data: Record<string, unknown>,
  requestedAt: string,
): OutboxEntry {
  return noticeEntry(
    caseNotice({ caseId: c.caseId, kind, audience, step: step.stepId, to, data, requestedAt }),
  );
}
