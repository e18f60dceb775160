/**
 * The case use cases of the staff API (docs/design.md#case-changes): every change of a case, whether it
 * comes from `POST /v1/cases/{id}/<action>`, a signed link in an email, a problem or an erasure,
 * goes through `changeCase`: read the case and its timeline, authorize, apply the transition
 * (shared/domain/case-commands.ts), and write in ONE transaction, conditional on the version read
 * (invariant 4):
 * - the new state (version + 1, updatedAt, deadlines recomputed from the timeline),
 * - its timeline event (who = `staff:<memberId>`, what, when, via `api` / `signed_link`),
 * - the SLA timer fields recomputed from the new timeline (shared/domain/sla.ts), so the sweep
 *   sees the next step at once (a pause takes the case out of the timers index),
 * - the customer notice it implies, as an outbox item (updates → customer_progress, resolve →
 *   customer_resolved or customer_problem_resolved), only with contact consent and an address,
 * - a resolution's `case.resolved` event for the bus (webhooks), as an outbox item too,
 * - the attainment counters (acknowledge / resolve / close, shared/domain/attainment.ts),
 * - the open-case counters of the fewest_open assignment (resolve −1, reopen +1, reassign moves 1),
 * - and, for a signed link, the spent single-use token.
 */
import type { Principal } from '../../shared/auth/principal.ts';
import { requireTeam } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import {
  type AttainmentIncrement,
  attainmentOnAcknowledged,
  attainmentOnClosed,
  attainmentOnResolved,
} from '../../shared/domain/attainment.ts';
import {
  type Case,
  type CaseStatus,
  customerNoticeFacts,
  type TimelineEvent,
} from '../../shared/domain/case.ts';
import { applyAction, type CaseAction, StaleVersion } from '../../shared/domain/case-commands.ts';
import {
  LinkUsed,
  NotFound,
  NotInTeam,
  StateConflict,
  ValidationFailed,
} from '../../shared/domain/errors.ts';
import type { SingleUse } from '../../shared/domain/notice-ports.ts';
import { caseNotice, noticeEntry, type OutboxEntry } from '../../shared/domain/outbox.ts';
import { slaContextOf, slaDeadlines } from '../../shared/domain/sla.ts';
import type { CustomerContact } from '../../shared/domain/sla-ports.ts';
import type {
  CaseWrite,
  LoadedCase,
  OpenCounterDelta,
  StaffCaseStore,
} from '../../shared/domain/staff-ports.ts';
import { type CaseResolved, caseResolved } from '../../shared/events/case-resolved.ts';
import { type NoticeKind, noticeIdOf } from '../../shared/events/notice-requested.ts';
import { timerFieldsFor } from '../../shared/repository/case-timer.ts';

export interface CaseDeps {
  cases: StaffCaseStore;
  clock: Clock;
  config: Config;
  /** Tries when the write loses a race it may retry (default 4). */
  maxAttempts?: number;
  /** Waits before try `attempt + 1` (default: a few random milliseconds). */
  backoff?: (attempt: number) => Promise<void>;
}

/** Who asks, and from where. Staff on the API are authorized per case; a signed link is its own authority. */
export type Requester =
  | { kind: 'staff'; principal: Principal }
  | { kind: 'link'; memberId: string; via: string }
  | { kind: 'customer'; via: string };

export const API_VIA = 'api';

export interface ResolutionActions {
  internal: string[];
  external: string[];
}

/** What to do; the API bodies (functions/cases/schemas.ts) plus what links, problems and surveys add. */
export type ChangeInput =
  | { action: 'acknowledge'; note?: string }
  | { action: 'assign'; assigneeId: string; rule?: 'manual' | 'claimed' }
  | { action: 'notes'; text: string }
  | { action: 'updates'; message: string }
  | { action: 'pause'; reason?: string }
  | { action: 'resume' }
  | {
      action: 'resolve';
      customerMessage: string;
      rootCause: string;
      actions: ResolutionActions;
      /** Resolved through a problem: the customer gets customer_problem_resolved. */
      problem?: { problemId: string; title: string };
    }
  | { action: 'reopen'; reason?: string; answer?: FollowUpAnswer }
  | { action: 'close'; reason?: string; answer?: FollowUpAnswer }
  /** Links the case to a problem: a `note` event, `problemId` set, the link item written. */
  | { action: 'link'; problemId: string; title: string; customerRef?: string };

/** A customer's follow-up survey answer, recorded as a `verified` event before its transition. */
export interface FollowUpAnswer {
  value: string;
  verdict: 'good' | 'bad';
}

export interface ChangeRequest {
  caseId: string;
  input: ChangeInput;
  /** `If-Match`; undefined: the version read (signed links, problems: the server decides). */
  expectedVersion?: number;
  requester: Requester;
  singleUse?: SingleUse & { act: string };
  /** Checked against the case before anything is written (e.g. a survey answers only a resolved case). */
  require?: (c: Case) => void;
}

export type ChangeOutcome =
  | { changed: true; case: Case; events: TimelineEvent[] }
  /** Nothing to change (assigning the current assignee, linking the same problem again). */
  | { changed: false; case: Case };

const defaultBackoff = (attempt: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.round(Math.random() * 15 * attempt)));

export const actorOf = (r: Requester) =>
  r.kind === 'staff'
    ? `staff:${r.principal.memberId}`
    : r.kind === 'link'
      ? `staff:${r.memberId}`
      : 'customer';
export const viaOf = (r: Requester) => (r.kind === 'staff' ? API_VIA : r.via);

/**
 * Object-level authorization (invariant 10): members act on their teams' cases, admins on all.
 * A signed link acts for the member it was sent to only while the config still has them on the
 * case's team, so a link outlives no one's membership. Called only once the case is known to
 * exist (docs/design.md#404-before-403).
 */
export function authorizeCase(r: Requester, c: Case, config: Config): void {
  if (r.kind === 'staff') requireTeam(r.principal, c.teamId);
  if (r.kind === 'link') {
    const team = config.teams.find((t) => t.id === c.teamId);
    if (!team?.members.some((m) => m.id === r.memberId)) {
      throw new NotInTeam(`member ${r.memberId} is not on team ${c.teamId} any more`);
    }
  }
}

/** Reads a case the requester may see; 404 when it does not exist, 403 when it is another team's. */
export async function loadAuthorized(deps: CaseDeps, caseId: string, r: Requester): Promise<LoadedCase> {
  const loaded = await deps.cases.load(caseId);
  if (loaded === undefined) throw new NotFound('case', caseId);
  authorizeCase(r, loaded.case, deps.config);
  return loaded;
}

/** One change of one case (see the module comment). */
export async function changeCase(req: ChangeRequest, deps: CaseDeps): Promise<ChangeOutcome> {
  const maxAttempts = deps.maxAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadAuthorized(deps, req.caseId, req.requester);
    req.require?.(loaded.case);
    const expectedVersion = req.expectedVersion ?? loaded.case.version;
    const contact = needsContact(req.input, loaded.case)
      ? await deps.cases.contact(loaded.case.feedbackId)
      : undefined;
    const plan = planChange(loaded, req, {
      at: deps.clock.now(),
      config: deps.config,
      expectedVersion,
      contact,
    });
    if ('unchanged' in plan) return { changed: false, case: plan.unchanged };
    const result = await deps.cases.commit(plan.write);
    if (result === 'committed') return { changed: true, case: plan.next, events: plan.write.events };
    if (result === 'token_used') throw new LinkUsed();
    if (result === 'stale' && req.expectedVersion !== undefined) {
      // Someone else changed the case since the caller saw it: 409 with the version now.
      const now = await deps.cases.load(req.caseId);
      if (now === undefined) throw new NotFound('case', req.caseId);
      throw new StaleVersion(now.case.version);
    }
    // The server chose the version (it moved meanwhile), or a concurrent transaction cancelled
    // ours: read again and decide again.
    if (attempt >= maxAttempts) {
      const now = await deps.cases.load(req.caseId);
      throw new StaleVersion(now?.case.version ?? expectedVersion);
    }
    await (deps.backoff ?? defaultBackoff)(attempt);
  }
}

const needsContact = (input: ChangeInput, c: Case) =>
  c.contactConsent && (input.action === 'updates' || input.action === 'resolve');

/** Open for its assignee (counted by the fewest_open assignment). */
const countsAsOpen = (status: CaseStatus) => status !== 'resolved' && status !== 'closed';

export interface PlanContext {
  at: Date;
  config: Config;
  expectedVersion: number;
  /** The customer's address, when the change may email them. */
  contact: CustomerContact | undefined;
}

/**
 * The write of one change (pure). Throws StaleVersion / InvalidTransition (from applyAction),
 * ValidationFailed (an assignee outside the team), StateConflict (linked to another problem).
 */
export function planChange(
  loaded: LoadedCase,
  req: Pick<ChangeRequest, 'input' | 'requester' | 'singleUse'>,
  ctx: PlanContext,
): { write: CaseWrite; next: Case } | { unchanged: Case } {
  const c = loaded.case;
  const { input, requester } = req;
  const sla = slaContextOf(c, ctx.config);
  const actor = actorOf(requester);
  const via = viaOf(requester);
  const at = ctx.at;
  const atIso = at.toISOString();

  let action: CaseAction;
  let data: Record<string, unknown> = {};
  let patch: Partial<Pick<Case, 'assigneeId' | 'problemId'>> | undefined;
  const before: TimelineEvent[] = [];

  switch (input.action) {
    case 'acknowledge':
      action = 'acknowledge';
      data = input.note ? { note: input.note } : {};
      break;
    case 'assign': {
      action = 'assign';
      if (!sla.team.members.some((m) => m.id === input.assigneeId)) {
        throw new ValidationFailed([{ path: 'assigneeId', message: `is not a member of team ${c.teamId}` }]);
      }
      if (input.assigneeId === c.assigneeId) {
        if (ctx.expectedVersion !== c.version) throw new StaleVersion(c.version);
        return { unchanged: c };
      }
      patch = { assigneeId: input.assigneeId };
      data = {
        teamId: c.teamId,
        assigneeId: input.assigneeId,
        previousAssigneeId: c.assigneeId,
        rule: input.rule ?? 'manual',
      };
      break;
    }
    case 'notes':
      action = 'notes';
      data = { text: input.text };
      break;
    case 'link':
      action = 'notes';
      if (c.problemId === input.problemId) return { unchanged: c };
      if (c.problemId !== undefined) {
        throw new StateConflict('already_linked', `case ${c.caseId} is linked to problem ${c.problemId}`, {
          caseId: c.caseId,
          problemId: c.problemId,
        });
      }
      patch = { problemId: input.problemId };
      data = {
        text: `Linked to problem: ${input.title}`,
        problemId: input.problemId,
        kind: 'problem_linked',
      };
      break;
    case 'updates':
      action = 'updates';
      data = { message: input.message };
      break;
    case 'pause':
      action = 'pause';
      data = input.reason ? { reason: input.reason } : {};
      break;
    case 'resume':
      action = 'resume';
      break;
    case 'resolve':
      action = 'resolve';
      data = {
        customerMessage: input.customerMessage,
        rootCause: input.rootCause,
        actions: input.actions,
        ...(input.problem ? { problemId: input.problem.problemId } : {}),
      };
      break;
    case 'reopen':
    case 'close':
      action = input.action;
      data = { reason: input.reason ?? 'staff' };
      if (input.answer) {
        before.push({ at: atIso, type: 'verified', actor, via, data: { ...input.answer } });
      }
      break;
  }

  const change = applyAction(c, action, {
    expectedVersion: ctx.expectedVersion,
    actor,
    via,
    at,
    data,
    ...(patch ? { patch } : {}),
  });
  const event = change.event;
  const outbox: OutboxEntry[] = [];

  // Customer notices (invariant 8: only with consent and an address; notify checks consent again).
  const notice = customerNoticeOf(input, change.next.version);
  if (notice) {
    if (!c.contactConsent) event.data.notice = 'no_contact_consent';
    else if (ctx.contact === undefined) event.data.notice = 'no_address';
    else {
      event.data.notice = 'requested';
      event.data.noticeId = noticeIdOf(c.caseId, notice.kind, notice.step);
      outbox.push(customerNotice(c, notice, ctx.contact, ctx.config, sla.calendar.timeZone, atIso));
    }
  }

  if (action === 'resolve') outbox.push(resolvedEvent(change.next, actor, atIso, input));

  const events = [...before, event];
  const timeline = [...loaded.timeline, ...events];
  const next: Case = { ...change.next };
  // Deadlines follow the timeline (a pause stops the resolve clock, a reopen starts fresh ones).
  const deadlines = slaDeadlines(next, timeline, sla.calendar, sla.policy);
  next.acknowledgeBy = deadlines.acknowledgeBy;
  if (deadlines.resolveBy !== undefined) next.resolveBy = deadlines.resolveBy;
  const timer = timerFieldsFor(next, timeline, ctx.config);

  const tz = sla.calendar.timeZone;
  let counters: AttainmentIncrement[] = [];
  if (action === 'acknowledge') counters = attainmentOnAcknowledged(c, loaded.timeline, at, tz);
  else if (action === 'resolve') counters = attainmentOnResolved(c, loaded.timeline, at, tz);
  else if (action === 'close') {
    const reason = input.action === 'close' && input.answer ? 'verified' : String(data.reason);
    counters = attainmentOnClosed(c, loaded.timeline, at, reason, tz);
  }

  const openCounters: OpenCounterDelta[] = [];
  const wasOpen = countsAsOpen(c.status);
  const isOpen = countsAsOpen(next.status);
  if (wasOpen && next.assigneeId !== c.assigneeId) {
    openCounters.push({ teamId: c.teamId, memberId: c.assigneeId, delta: -1 });
    if (isOpen) openCounters.push({ teamId: c.teamId, memberId: next.assigneeId, delta: 1 });
  } else if (wasOpen !== isOpen) {
    openCounters.push({ teamId: c.teamId, memberId: next.assigneeId, delta: isOpen ? 1 : -1 });
  }

  const set: CaseWrite['set'] = { version: next.version, updatedAt: next.updatedAt };
  for (const key of Object.keys(next) as (keyof Case)[]) {
    if (key === 'caseId') continue;
    if (next[key] !== c[key]) (set as Record<string, unknown>)[key] = next[key];
  }

  const write: CaseWrite = {
    caseId: c.caseId,
    at,
    expectedVersion: ctx.expectedVersion,
    set,
    timer,
    events,
    outbox,
    counters,
    openCounters,
    ...(input.action === 'link'
      ? {
          link: {
            problemId: input.problemId,
            teamId: c.teamId,
            touchpoint: c.touchpoint,
            siteId: c.siteId,
            ...(input.customerRef ? { customerRef: input.customerRef } : {}),
            linkedBy: actor,
          },
        }
      : {}),
    ...(req.singleUse ? { singleUse: req.singleUse } : {}),
  };
  return { write, next };
}

/** `case.resolved` on the bus, in the resolution's transaction; one per resolution (by version). */
function resolvedEvent(next: Case, actor: string, at: string, input: ChangeInput): OutboxEntry {
  const event: CaseResolved = {
    type: 'case.resolved',
    version: 1,
    caseId: next.caseId,
    ...(next.ref ? { caseRef: next.ref } : {}),
    feedbackId: next.feedbackId,
    siteId: next.siteId,
    severity: next.severity,
    touchpoint: next.touchpoint,
    teamId: next.teamId,
    assigneeId: next.assigneeId,
    caseVersion: next.version,
    ...(input.action === 'resolve' && input.problem ? { problemId: input.problem.problemId } : {}),
    resolvedBy: actor,
    resolvedAt: at,
  };
  return { id: `event:${caseResolved.name}:${next.caseId}:v${next.version}`, target: 'bus', message: event };
}

interface CustomerNoticeSpec {
  kind: NoticeKind;
  /** Unique per change: the case version the change writes. */
  step: string;
  message: string;
  problemTitle?: string;
}

/** The customer notice an action implies: updates → progress, resolve → resolved (or problem resolved). */
function customerNoticeOf(input: ChangeInput, version: number): CustomerNoticeSpec | undefined {
  if (input.action === 'updates') {
    return { kind: 'customer_progress', step: `update:v${version}`, message: input.message };
  }
  if (input.action !== 'resolve') return undefined;
  if (input.problem) {
    return {
      kind: 'customer_problem_resolved',
      step: `problem:${input.problem.problemId}:v${version}`,
      message: input.customerMessage,
      problemTitle: input.problem.title,
    };
  }
  return { kind: 'customer_resolved', step: `resolve:v${version}`, message: input.customerMessage };
}

/** A customer notice for the notify queue (shared/events/notice-requested.ts). */
function customerNotice(
  c: Case,
  spec: CustomerNoticeSpec,
  contact: CustomerContact,
  config: Config,
  timeZone: string,
  requestedAt: string,
): OutboxEntry {
  const { kind, step } = spec;
  const site = config.sites.find((s) => s.id === c.siteId);
  const team = config.teams.find((t) => t.id === c.teamId);
  const notice = caseNotice({
    kind,
    audience: 'customer',
    caseId: c.caseId,
    step,
    to: [{ email: contact.email, ...(contact.name ? { name: contact.name } : {}), locale: c.customerLocale }],
    data: {
      ...customerNoticeFacts(c, site?.name),
      teamId: c.teamId,
      ...(team ? { teamName: team.name } : {}),
      timeZone,
      message: spec.message,
      ...(spec.problemTitle ? { problemTitle: spec.problemTitle } : {}),
    },
    requestedAt,
  });
  return noticeEntry(notice);
}
