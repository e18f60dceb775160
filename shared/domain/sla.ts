/**
 * SLA engine, the pure part (docs/design.md#sla-engine, invariant 7): a case's deadlines and its next
 * due step are a pure function of (case, timeline, business calendar, policy). Nothing is stored
 * that could drift: every sweep, every staff action recomputes them from the timeline.
 * No AWS, no clock: every instant comes in as an argument.
 *
 * ## Clocks
 *
 * - A case's **cycle** starts when it opens (cycle 0) and again at every `reopened` event
 *   (cycle k = the number of `reopened` events so far). Only events of the current cycle count.
 * - The clocks of cycle 0 start when the customer wrote in (the `opened` event's
 *   `data.receivedAt`, else `createdAt`): triage computes `acknowledgeBy` / `resolveBy` from the
 *   same instant, so a slow triage never extends a deadline. A reopened cycle starts at the
 *   `reopened` event with a **fresh, full** acknowledge window and a fresh, full resolve window
 *   (the reopened case is unacknowledged again; time spent before the reopen does not count).
 * - **Acknowledge clock**: `acknowledgeBy = addBusinessMinutes(cycleStart, acknowledgeMinutes)`.
 * - **Resolve clock**: runs from the cycle start, in business time, except between a `paused`
 *   event and the next `resumed` (waiting on the customer). A resume continues with the
 *   *remaining* business time. While paused `resolveBy` is undefined (the clock stands still).
 *   Sums are kept in whole milliseconds, so any number of pause/resume edits adds no rounding.
 * - A deadline that lands exactly on a closing time is that closing time (calendar.ts).
 *
 * ## Steps (what the sweep fires, once each)
 *
 * For a clock with window W minutes, warn fraction f and ladder [{ level, afterMinutes }]:
 * - `warn` when the clock has consumed f·W business minutes (pre-breach warning to the assignee);
 * - rung i when it has consumed W + ladder[i].afterMinutes business minutes (so a 0-minute rung
 *   fires at the breach itself, even when the deadline is a closing time; later rungs count
 *   business minutes past it, and on the resolve clock pauses stop them too).
 *
 * Which clock is live depends on the status:
 * - `open` / `reopened`: the acknowledge clock's steps. Acknowledging ends them for good. A
 *   case the customer reopened with a bad follow-up answer (`reopened.data.reason` =
 *   `follow_up_bad`) first escalates to the ladder's first level at once (`r<k>:reopen:<level>`,
 *   not a breach: no `rung`), then runs its fresh acknowledge clock.
 * - `acknowledged`: the resolve clock's steps. Its `warn` is skipped when the case was
 *   acknowledged only after the resolve deadline (a "pre-breach" warning would come after the
 *   breach); its rungs then fire at once, in order.
 * - `waiting_on_customer`: none (the resolve clock is paused).
 * - `resolved`: with contact consent, `follow_up` at resolvedAt + `followUp.delayDays` **plain
 *   days** (the calendar clock: 24-hour days of elapsed time, weekends and holidays included),
 *   then `auto_close` (closed as unverified) `closeUnansweredAfterDays` plain days after the
 *   follow-up was actually sent. Without consent (or once the customer answered, `verified`) no
 *   survey can be sent: `auto_close` at resolvedAt + delayDays + closeUnansweredAfterDays, and
 *   nothing after a `verified` answer (the survey handler closes the case).
 * - `closed`: none.
 *
 * When several steps are due (a sweep outage, a late acknowledgment), they fire in order, one
 * transaction each.
 *
 * ## Step ids
 *
 * Unique and stable per case: `ack:warn`, `ack:lead`, `ack:manager`, `ack:executive`,
 * `res:warn`, `res:<level>`, `follow_up`, `auto_close`, `reopen:<level>`; cycle k ≥ 1 prefixes `r<k>:`
 * (`r1:ack:lead`), so a reopened case's rungs can fire again. A step has fired when the timeline
 * holds a `warned` / `escalated` / `follow_up_sent` / `closed` event whose `data.stepId` is its id.
 */
import type { LadderLevel } from '../config/schema.ts';
import { addBusinessMinutes, businessMinutesBetween, type CalendarSpec } from './calendar.ts';
import type { Case, TimelineEvent, TimelineEventType } from './case.ts';
import { type PurgeStep, purgeStepOf } from './retention.ts';
import { DAY_MS, MINUTE_MS } from './time.ts';

/**
 * `reopened.data.reason` of a case the customer reopened with a bad follow-up answer
 * (core/cases/link-actions.ts): the reopen itself escalates to the first rung at once.
 */
export const REOPEN_ESCALATES = 'follow_up_bad';

export type SlaClock = 'acknowledge' | 'resolve';
export type SlaStepKind = 'warn' | 'escalate' | 'follow_up' | 'auto_close';

/** The parts of an SLA policy (config `sla.policies.<severity>`) this module reads. */
export interface SlaPolicySpec {
  readonly acknowledgeMinutes: number;
  readonly resolveMinutes: number;
  /** Fraction (0..1, exclusive) of a window after which the pre-breach warning goes out. */
  readonly warnAt: number;
  readonly ladder: readonly { readonly level: LadderLevel; readonly afterMinutes: number }[];
}

/** Config `sla.followUp`. */
export interface FollowUpSpec {
  readonly delayDays: number;
  readonly closeUnansweredAfterDays: number;
}

export interface SlaStep {
  /** Unique and stable per case, e.g. `ack:warn`, `r1:res:manager`, `follow_up`. */
  stepId: string;
  /** ISO instant the step is due. */
  dueAt: string;
  kind: SlaStepKind;
  /** The clock a warn or escalate step watches. */
  clock?: SlaClock;
  /** Ladder level of an escalate step. */
  level?: LadderLevel;
  /** Index of an escalate step in the policy's ladder (0 = the breach rung); none for a reopen escalation. */
  rung?: number;
  /** ISO deadline a warn / escalate step concerns (acknowledgeBy or resolveBy). */
  deadline?: string;
  /** The cycle (0, or the number of reopens) the step belongs to. */
  cycle: number;
}

export interface SlaDeadlines {
  cycle: number;
  /** When the current cycle's clocks started (ISO). */
  clockStart: string;
  acknowledgeBy: string;
  /** First `acknowledged` event of the cycle. */
  acknowledgedAt?: string;
  /**
   * When the resolve clock runs out. Undefined while it is paused, and once the case was resolved
   * before it ran out (the clock stopped for good).
   */
  resolveBy?: string;
  /** Whether a pause stops the resolve clock right now. */
  paused: boolean;
  /**
   * Business minutes the resolve clock has left (0 when overdue): while paused, what a resume
   * continues with; while running, what was left when its current stretch began.
   */
  resolveRemainingMinutes: number;
  /** Last `resolved` event of the cycle. */
  resolvedAt?: string;
}

/** Events that record a fired step (with `data.stepId`). */
export const stepEventTypes = [
  'warned',
  'escalated',
  'follow_up_sent',
  'closed',
] as const satisfies readonly TimelineEventType[];

const stepEventOf: Record<SlaStepKind, (typeof stepEventTypes)[number]> = {
  warn: 'warned',
  escalate: 'escalated',
  follow_up: 'follow_up_sent',
  auto_close: 'closed',
};

/** The timeline event type that records a fired step of this kind. */
export const eventTypeOfStep = (kind: SlaStepKind) => stepEventOf[kind];

/** `escalationLevel` of a case once a rung of this level fired (0 = no rung yet). */
export const levelRank: Record<LadderLevel, number> = { lead: 1, manager: 2, executive: 3 };

// ---------------------------------------------------------------------------------------------
// Timeline analysis
// ---------------------------------------------------------------------------------------------

/** Events in time order (stable: events of one instant keep their given order). */
function ordered(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline
    .map((e, i) => [e, i] as const)
    .sort((a, b) => (a[0].at < b[0].at ? -1 : a[0].at > b[0].at ? 1 : a[1] - b[1]))
    .map(([e]) => e);
}

/** A running stretch of a clock: `[start, end)`, `end` undefined while it runs. */
interface Segment {
  start: number;
  end?: number;
}

interface Cycle {
  index: number;
  start: number;
  events: TimelineEvent[];
  /** The `reopened` event that started the cycle (cycles ≥ 1). */
  reopen?: TimelineEvent;
}

function currentCycle(c: Pick<Case, 'createdAt'>, timeline: readonly TimelineEvent[]): Cycle {
  const events = ordered(timeline);
  let lastReopen = -1;
  let reopens = 0;
  events.forEach((e, i) => {
    if (e.type === 'reopened') {
      lastReopen = i;
      reopens += 1;
    }
  });
  if (lastReopen >= 0) {
    const reopen = events[lastReopen] as TimelineEvent;
    return { index: reopens, start: Date.parse(reopen.at), events: events.slice(lastReopen + 1), reopen };
  }
  const opened = events.find((e) => e.type === 'opened');
  const receivedAt = opened?.data.receivedAt;
  const start =
    typeof receivedAt === 'string' && !Number.isNaN(Date.parse(receivedAt))
      ? Date.parse(receivedAt)
      : Date.parse(c.createdAt);
  return { index: 0, start, events };
}

/** The resolve clock's running stretches in a cycle: from its start, minus pauses. */
function resolveSegments(cycle: Cycle): Segment[] {
  const segments: Segment[] = [{ start: cycle.start }];
  for (const e of cycle.events) {
    const last = segments[segments.length - 1] as Segment;
    const at = Date.parse(e.at);
    if (e.type === 'paused' && last.end === undefined) last.end = Math.max(at, last.start);
    else if (e.type === 'resumed' && last.end !== undefined) segments.push({ start: at });
    else if (e.type === 'resolved' && last.end === undefined) last.end = Math.max(at, last.start);
  }
  return segments;
}

/** Whole business milliseconds in `[from, to)`. */
function businessMs(from: number, to: number, calendar: CalendarSpec): number {
  return Math.round(businessMinutesBetween(new Date(from), new Date(to), calendar) * MINUTE_MS);
}

/**
 * The instant at which a clock running over `segments` has consumed `targetMs` business
 * milliseconds, or undefined if it stopped (paused) before that.
 */
function consumedInstant(
  segments: readonly Segment[],
  targetMs: number,
  calendar: CalendarSpec,
): number | undefined {
  let consumed = 0;
  for (const s of segments) {
    if (s.end === undefined)
      return addBusinessMinutes(new Date(s.start), (targetMs - consumed) / MINUTE_MS, calendar).getTime();
    const used = businessMs(s.start, s.end, calendar);
    if (targetMs <= consumed + used) {
      return addBusinessMinutes(new Date(s.start), (targetMs - consumed) / MINUTE_MS, calendar).getTime();
    }
    consumed += used;
  }
  return undefined;
}

function consumedSoFar(segments: readonly Segment[], calendar: CalendarSpec): number {
  let consumed = 0;
  for (const s of segments) if (s.end !== undefined) consumed += businessMs(s.start, s.end, calendar);
  return consumed;
}

const firstOf = (events: readonly TimelineEvent[], type: TimelineEventType) =>
  events.find((e) => e.type === type);
const lastOf = (events: readonly TimelineEvent[], type: TimelineEventType) =>
  [...events].reverse().find((e) => e.type === type);
const iso = (t: number) => new Date(t).toISOString();

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * The current cycle's deadlines. `acknowledgeBy` / `resolveBy` are what the case resource shows
 * (a staff action that pauses, resumes or reopens writes these back with its event).
 */
export function slaDeadlines(
  c: Pick<Case, 'createdAt'>,
  timeline: readonly TimelineEvent[],
  calendar: CalendarSpec,
  policy: SlaPolicySpec,
): SlaDeadlines {
  const cycle = currentCycle(c, timeline);
  const segments = resolveSegments(cycle);
  const windowMs = policy.resolveMinutes * MINUTE_MS;
  const last = segments[segments.length - 1] as Segment;
  const resolvedEvent = lastOf(cycle.events, 'resolved');
  const running = last.end === undefined;
  const paused = !running && resolvedEvent === undefined;
  const resolveAt = consumedInstant(segments, windowMs, calendar);
  const ack = firstOf(cycle.events, 'acknowledged');
  return {
    cycle: cycle.index,
    clockStart: iso(cycle.start),
    acknowledgeBy: addBusinessMinutes(
      new Date(cycle.start),
      policy.acknowledgeMinutes,
      calendar,
    ).toISOString(),
    ...(ack ? { acknowledgedAt: ack.at } : {}),
    ...(resolveAt !== undefined ? { resolveBy: iso(resolveAt) } : {}),
    paused,
    resolveRemainingMinutes: Math.max(0, windowMs - consumedSoFar(segments, calendar)) / MINUTE_MS,
    ...(resolvedEvent ? { resolvedAt: resolvedEvent.at } : {}),
  };
}

/** Step ids that have fired: step events carrying `data.stepId`. */
export function firedStepIds(timeline: readonly TimelineEvent[]): Set<string> {
  const fired = new Set<string>();
  for (const e of timeline) {
    const id = e.data?.stepId;
    if (typeof id === 'string' && (stepEventTypes as readonly string[]).includes(e.type)) fired.add(id);
  }
  return fired;
}

/** Every step of the case's current state, in due order (fired ones included). */
export function plannedSteps(
  c: Pick<Case, 'status' | 'createdAt' | 'updatedAt' | 'contactConsent'>,
  timeline: readonly TimelineEvent[],
  calendar: CalendarSpec,
  policy: SlaPolicySpec,
  followUp: FollowUpSpec,
): SlaStep[] {
  if (c.status === 'closed' || c.status === 'waiting_on_customer') return [];
  const cycle = currentCycle(c, timeline);
  const prefix = cycle.index > 0 ? `r${cycle.index}:` : '';
  const steps: SlaStep[] = [];

  const clockSteps = (clock: SlaClock, segments: Segment[], windowMinutes: number, skipWarn: boolean) => {
    const tag = clock === 'acknowledge' ? 'ack' : 'res';
    const windowMs = windowMinutes * MINUTE_MS;
    const deadline = consumedInstant(segments, windowMs, calendar);
    if (deadline === undefined) return; // paused: no step until it resumes
    const warnAt = consumedInstant(segments, Math.round(windowMs * policy.warnAt), calendar);
    if (!skipWarn && warnAt !== undefined) {
      steps.push({
        stepId: `${prefix}${tag}:warn`,
        dueAt: iso(warnAt),
        kind: 'warn',
        clock,
        deadline: iso(deadline),
        cycle: cycle.index,
      });
    }
    policy.ladder.forEach((rung, i) => {
      const due = consumedInstant(segments, windowMs + rung.afterMinutes * MINUTE_MS, calendar);
      if (due === undefined) return;
      steps.push({
        stepId: `${prefix}${tag}:${rung.level}`,
        dueAt: iso(due),
        kind: 'escalate',
        clock,
        level: rung.level,
        rung: i,
        deadline: iso(deadline),
        cycle: cycle.index,
      });
    });
  };

  if (c.status === 'open' || c.status === 'reopened') {
    const first = policy.ladder[0];
    if (cycle.reopen?.data.reason === REOPEN_ESCALATES && first !== undefined) {
      steps.push({
        stepId: `${prefix}reopen:${first.level}`,
        dueAt: iso(cycle.start),
        kind: 'escalate',
        clock: 'acknowledge',
        level: first.level,
        deadline: addBusinessMinutes(
          new Date(cycle.start),
          policy.acknowledgeMinutes,
          calendar,
        ).toISOString(),
        cycle: cycle.index,
      });
    }
    clockSteps('acknowledge', [{ start: cycle.start }], policy.acknowledgeMinutes, false);
  } else if (c.status === 'acknowledged') {
    const segments = resolveSegments(cycle);
    const ack = firstOf(cycle.events, 'acknowledged');
    const resolveBy = consumedInstant(segments, policy.resolveMinutes * MINUTE_MS, calendar);
    const lateAck = ack !== undefined && resolveBy !== undefined && Date.parse(ack.at) >= resolveBy;
    clockSteps('resolve', segments, policy.resolveMinutes, lateAck);
  } else if (c.status === 'resolved') {
    if (firstOf(cycle.events, 'verified') !== undefined) return [];
    const resolved = lastOf(cycle.events, 'resolved');
    const resolvedAt = Date.parse(resolved?.at ?? c.updatedAt);
    if (c.contactConsent) {
      const followUpDue = resolvedAt + followUp.delayDays * DAY_MS;
      steps.push({
        stepId: `${prefix}follow_up`,
        dueAt: iso(followUpDue),
        kind: 'follow_up',
        cycle: cycle.index,
      });
      const sent = lastOf(cycle.events, 'follow_up_sent');
      const base = sent ? Date.parse(sent.at) : followUpDue;
      steps.push({
        stepId: `${prefix}auto_close`,
        dueAt: iso(base + followUp.closeUnansweredAfterDays * DAY_MS),
        kind: 'auto_close',
        cycle: cycle.index,
      });
    } else {
      steps.push({
        stepId: `${prefix}auto_close`,
        dueAt: iso(resolvedAt + (followUp.delayDays + followUp.closeUnansweredAfterDays) * DAY_MS),
        kind: 'auto_close',
        cycle: cycle.index,
      });
    }
  }
  // Stable by due time; within a clock the order above is already the due order.
  return steps
    .map((s, i) => [s, i] as const)
    .sort((a, b) => (a[0].dueAt < b[0].dueAt ? -1 : a[0].dueAt > b[0].dueAt ? 1 : a[1] - b[1]))
    .map(([s]) => s);
}

/**
 * The next step that has not fired yet (it may be due in the past), or undefined when the case
 * has nothing left to watch (closed, paused, or every step fired).
 */
export function nextStep(
  c: Pick<Case, 'status' | 'createdAt' | 'updatedAt' | 'contactConsent'>,
  timeline: readonly TimelineEvent[],
  calendar: CalendarSpec,
  policy: SlaPolicySpec,
  followUp: FollowUpSpec,
): SlaStep | undefined {
  const fired = firedStepIds(timeline);
  return plannedSteps(c, timeline, calendar, policy, followUp).find((s) => !fired.has(s.stepId));
}

/**
 * What the case's one timer waits for: its next SLA step, else (closed) its purge
 * (shared/domain/retention.ts).
 */
export function nextTimerStep(
  c: Pick<Case, 'status' | 'createdAt' | 'updatedAt' | 'contactConsent'>,
  timeline: readonly TimelineEvent[],
  ctx: Pick<SlaContext, 'calendar' | 'policy' | 'followUp' | 'closedCaseDays'>,
): SlaStep | PurgeStep | undefined {
  return (
    nextStep(c, timeline, ctx.calendar, ctx.policy, ctx.followUp) ??
    purgeStepOf(c, timeline, ctx.closedCaseDays)
  );
}

// ---------------------------------------------------------------------------------------------
// Timer fields (their key formats: shared/repository/case-timer.ts)
// ---------------------------------------------------------------------------------------------

/** The case item's timer attributes while it has a next step; removed when it has none. */
export interface TimerFields {
  /** `T#00`..`T#15`: a stable hash of the case id, so due timers spread over 16 partitions. */
  timerShard: string;
  /** ISO instant of the next step (the index's sort key). */
  dueAt: string;
  /** The next step's id; the sweep's conditional write compares it. */
  dueStep: string;
}

/** `dueStep` of a timer set by a writer that does not compute the next step itself. */
export const RECHECK_STEP = 'recheck';

export function sameTimer(a: Partial<TimerFields> | undefined, b: TimerFields | undefined): boolean {
  return (
    (a?.timerShard ?? undefined) === b?.timerShard &&
    (a?.dueAt ?? undefined) === b?.dueAt &&
    (a?.dueStep ?? undefined) === b?.dueStep
  );
}

// ---------------------------------------------------------------------------------------------
// Recipients and config lookup
// ---------------------------------------------------------------------------------------------

export interface StaffRecipient {
  email: string;
  name?: string;
  locale?: string;
  memberId?: string;
}

interface TeamLike {
  readonly id: string;
  readonly name: string;
  readonly inboxEmail: string;
  readonly calendarId: string;
  readonly leadId: string;
  readonly managerId: string;
  readonly members: readonly {
    readonly id: string;
    readonly name: string;
    readonly email: string;
    readonly locale: string;
  }[];
}

/** The parts of the config the SLA engine reads. */
export interface SlaConfig {
  readonly teams: readonly TeamLike[];
  readonly calendars: readonly (CalendarSpec & { readonly id: string })[];
  readonly executives: readonly { readonly name: string; readonly email: string; readonly locale: string }[];
  readonly routing: { readonly fallbackTeamId: string };
  readonly sla: {
    readonly policies: Readonly<Record<'critical' | 'routine', SlaPolicySpec>>;
    readonly followUp: FollowUpSpec;
  };
  readonly service: { readonly closedCaseRetentionDays: number };
}

export interface SlaContext {
  team: TeamLike;
  calendar: CalendarSpec;
  policy: SlaPolicySpec;
  followUp: FollowUpSpec;
  /** Days a closed case is kept (shared/domain/retention.ts). */
  closedCaseDays: number;
}

/**
 * The case's team, calendar, policy and follow-up settings. A team that left the config falls
 * back to the routing fallback team (its calendar and people), so an old case is still watched.
 */
export function slaContextOf(c: Pick<Case, 'teamId' | 'severity'>, config: SlaConfig): SlaContext {
  const team =
    config.teams.find((t) => t.id === c.teamId) ??
    config.teams.find((t) => t.id === config.routing.fallbackTeamId);
  if (team === undefined) throw new Error(`no team ${c.teamId} and no fallback team in config`);
  const calendar = config.calendars.find((cal) => cal.id === team.calendarId);
  if (calendar === undefined) throw new Error(`team ${team.id} names unknown calendar ${team.calendarId}`);
  return {
    team,
    calendar,
    policy: config.sla.policies[c.severity],
    followUp: config.sla.followUp,
    closedCaseDays: config.service.closedCaseRetentionDays,
  };
}

const memberRecipient = (team: TeamLike, memberId: string): StaffRecipient | undefined => {
  const m = team.members.find((x) => x.id === memberId);
  return m ? { email: m.email, name: m.name, locale: m.locale, memberId: m.id } : undefined;
};

/**
 * Who a staff step goes to: warn → the assignee; lead / manager rung → the team's lead / manager;
 * executive rung → `config.executives` (the manager when none are configured). Falls back to the
 * team inbox when a member is no longer in the config. Follow-up and auto-close have no staff
 * recipients.
 */
export function stepRecipients(
  step: Pick<SlaStep, 'kind' | 'level'>,
  c: Pick<Case, 'assigneeId'>,
  team: TeamLike,
  executives: SlaConfig['executives'],
): StaffRecipient[] {
  const inbox: StaffRecipient = { email: team.inboxEmail, name: team.name };
  const one = (memberId: string) => [memberRecipient(team, memberId) ?? inbox];
  if (step.kind === 'warn') return one(c.assigneeId);
  if (step.kind !== 'escalate') return [];
  if (step.level === 'lead') return one(team.leadId);
  if (step.level === 'manager') return one(team.managerId);
  if (executives.length === 0) return one(team.managerId);
  return executives.map((e) => ({ email: e.email, name: e.name, locale: e.locale }));
}
