import type { Case, CaseStatus, TimelineEvent, TimelineEventType } from './case.ts';
import { DomainError } from './errors.ts';

/** The staff actions (`POST /v1/cases/{id}/<action>`, docs/api.md), also reachable by signed link. */
export const caseActions = [
  'acknowledge',
  'assign',
  'notes',
  'updates',
  'pause',
  'resume',
  'resolve',
  'reopen',
  'close',
] as const;
export type CaseAction = (typeof caseActions)[number];

/** The If-Match version is not the case's current one. */
export class StaleVersion extends DomainError {
  constructor(readonly current: number) {
    super(`the case changed (now version ${current}); reload and try again`);
  }
}

/** The action does not apply in the case's current status. */
export class InvalidTransition extends DomainError {
  constructor(
    readonly action: CaseAction,
    readonly status: CaseStatus,
  ) {
    super(`cannot ${action} a case that is ${status}`);
  }
}

interface Rule {
  from: readonly CaseStatus[];
  /** The status after the action; undefined keeps the current one. */
  to?: CaseStatus;
  event: TimelineEventType;
}

const notClosed: readonly CaseStatus[] = [
  'open',
  'acknowledged',
  'waiting_on_customer',
  'resolved',
  'reopened',
];
const working: readonly CaseStatus[] = ['open', 'acknowledged', 'waiting_on_customer', 'reopened'];

/**
 * docs/design.md#case-statuses: open → acknowledged → (waiting_on_customer ↔ acknowledged) →
 * resolved → closed; resolved → reopened → acknowledged.
 */
export const transitions: Record<CaseAction, Rule> = {
  acknowledge: { from: ['open', 'reopened'], to: 'acknowledged', event: 'acknowledged' },
  assign: { from: working, event: 'assigned' },
  notes: { from: notClosed, event: 'note' },
  updates: { from: working, event: 'update_sent' },
  pause: { from: ['acknowledged'], to: 'waiting_on_customer', event: 'paused' },
  resume: { from: ['waiting_on_customer'], to: 'acknowledged', event: 'resumed' },
  resolve: { from: working, to: 'resolved', event: 'resolved' },
  reopen: { from: ['resolved', 'closed'], to: 'reopened', event: 'reopened' },
  close: { from: ['resolved'], to: 'closed', event: 'closed' },
};

export interface CaseChange {
  /** The case as it will be stored (version + 1). */
  next: Case;
  event: TimelineEvent;
}

/**
 * Applies one action to a case: checks the version the caller saw and the transition, and
 * answers the new state with the one timeline event that records it. Pure; the caller writes
 * both in one transaction, conditional on the old version.
 */
export function applyAction(
  current: Case,
  action: CaseAction,
  opts: {
    expectedVersion: number;
    actor: string;
    via: string;
    at: Date;
    data?: Record<string, unknown>;
    patch?: Partial<Pick<Case, 'assigneeId' | 'problemId'>>;
  },
): CaseChange {
  if (opts.expectedVersion !== current.version) throw new StaleVersion(current.version);
  const rule = transitions[action];
  if (!rule.from.includes(current.status)) {
    throw new InvalidTransition(action, current.status);
  }
  const at = opts.at.toISOString();
  const next: Case = {
    ...current,
    ...opts.patch,
    status: rule.to ?? current.status,
    version: current.version + 1,
    updatedAt: at,
  };
  const data = { ...opts.data, from: current.status, to: next.status };
  return { next, event: { at, type: rule.event, actor: opts.actor, data, via: opts.via } };
}
