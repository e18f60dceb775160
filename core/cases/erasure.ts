/**
 * Erasure on request (invariant 11): `DELETE /v1/customers?email=` (admins only).
 *
 * Personal data is the customer's address and name, the free-text comment and the free-form
 * `context` (order ids, page URLs): removed from every feedback of the address. Ratings, reasons,
 * touchpoint, channel and the locale stay, so the weekly metrics keep adding up (they never held
 * personal data). Each of the customer's cases gets, in one transaction conditional on its
 * version: `contactConsent = false` and `erasedAt` (so no notice about the case still on its way,
 * a staff one quoting the comment included, is sent: notify checks both), its SLA timer
 * recomputed (no follow-up survey any more), an `erased` timeline event, and every earlier
 * timeline entry that quoted the address, the name or the comment rewritten with `[erased]` in
 * their place. The address's double opt-in state and held
 * notices at every site are deleted, and so are its journey events, survey invitations (their
 * queued emails and unsubscribe keys: a survey link then answers 404; notify drops an invitation
 * email still on its queue, its invitation being gone) and contact logs. The suppression entry of the address
 * (`SUPPRESS#<address>`), if any, stays: it is what keeps an unsubscribed address unsubscribed.
 *
 * Found through the sparse `feedbackByCustomer` index (the sha-256 of the address, written by
 * ingest's one PutItem). Order per feedback: the case first, then the feedback (which drops it
 * from the index), so a run that fails half-way can simply be run again; a case already erased
 * for that feedback is not changed twice.
 *
 * The case's notices in the outbox (relayed within seconds, but kept 7 days by TTL) are deleted in
 * the same transaction, since they name the recipient. Not reached, and why: a notice message
 * still on the notify queue (minutes; at most 14 days in its DLQ) holds the address, but notify
 * refuses it now (no consent); DynamoDB's point-in-time recovery keeps 35 days of backups; SES
 * keeps no mailbox.
 */
import { type Principal, requireAdmin } from '../../shared/auth/principal.ts';
import { type Case, caseIdFor, type TimelineEvent } from '../../shared/domain/case.ts';
import { erasedSummary } from '../../shared/domain/case-summary.ts';
import { contactRefOf } from '../../shared/domain/contact.ts';
import { contactKeyOf } from '../../shared/domain/invitation.ts';
import {
  type CaseWrite,
  type CustomerDataStore,
  erasedFeedbackFields,
  type LoadedCase,
} from '../../shared/domain/staff-ports.ts';
import { noticeIdOf } from '../../shared/events/notice-requested.ts';
import { timerFieldsFor } from '../../shared/repository/case-timer.ts';
import { customerHashOf } from '../../shared/repository/feedback-item.ts';
import { API_VIA, type CaseDeps } from './case-changes.ts';

export interface ErasureDeps extends CaseDeps {
  customers: CustomerDataStore;
}

export const REDACTED = '[erased]';
/** Redactions and outbox deletions of one case: one transaction (≤ 100 actions) with the change. */
const MAX_ITEMS = 95;

/** Replaces each needle (case-insensitive) in every string inside `value`. */
export function redact(value: unknown, needles: readonly string[]): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const needle of needles) {
      const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(escaped, 'gi'), REDACTED);
    }
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, needles));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, needles)]));
  }
  return value;
}

/** The erasure change of one case (pure), or undefined when it was erased for this feedback before. */
export function planErasure(
  loaded: LoadedCase,
  feedbackId: string,
  needles: readonly string[],
  actor: string,
  at: Date,
  config: CaseDeps['config'],
): CaseWrite | undefined {
  const c = loaded.case;
  if (loaded.timeline.some((e) => e.type === 'erased' && e.data.feedbackId === feedbackId)) return undefined;
  const redactions: { key: string; data: Record<string, unknown> }[] = [];
  loaded.timeline.forEach((e, i) => {
    const data = redact(e.data, needles) as Record<string, unknown>;
    if (JSON.stringify(data) !== JSON.stringify(e.data))
      redactions.push({ key: loaded.eventKeys[i] as string, data });
  });
  const outboxDeletes = noticeOutboxIds(c.caseId, loaded.timeline);
  if (redactions.length + outboxDeletes.length > MAX_ITEMS) {
    throw new Error(`case ${c.caseId}: too many items to erase in one transaction`);
  }
  const atIso = at.toISOString();
  const next: Case = {
    ...c,
    contactConsent: false,
    erasedAt: atIso,
    summary: erasedSummary(c.summary),
    version: c.version + 1,
    updatedAt: atIso,
  };
  const event: TimelineEvent = {
    at: atIso,
    type: 'erased',
    actor,
    via: API_VIA,
    data: {
      feedbackId,
      fields: [...erasedFeedbackFields],
      redactedEvents: redactions.length,
      deletedNotices: outboxDeletes.length,
    },
  };
  return {
    caseId: c.caseId,
    at,
    expectedVersion: c.version,
    set: {
      version: next.version,
      updatedAt: atIso,
      contactConsent: false,
      erasedAt: atIso,
      summary: erasedSummary(c.summary),
    },
    timer: timerFieldsFor(next, [...loaded.timeline, event], config),
    events: [event],
    outbox: [],
    counters: [],
    openCounters: [],
    redactions,
    outboxDeletes,
    // The link counts the problem's customers by a hash of the address: erased with the address.
    ...(c.problemId ? { unlinkCustomerFrom: c.problemId } : {}),
  };
}

/**
 * The outbox items of the case's notices, which hold the recipient's address (and, for a critical
 * case's staff notice, the comment): triage's received and new-critical notices, every notice a
 * timeline event names (`data.noticeId`), and the follow-up surveys sent.
 */
export function noticeOutboxIds(caseId: string, timeline: readonly TimelineEvent[]): string[] {
  const ids = new Set([
    noticeIdOf(caseId, 'customer_received', 'received'),
    noticeIdOf(caseId, 'staff_new_critical', 'opened'),
  ]);
  for (const e of timeline) {
    if (typeof e.data.noticeId === 'string') ids.add(e.data.noticeId);
    if (e.type === 'follow_up_sent' && typeof e.data.stepId === 'string') {
      ids.add(noticeIdOf(caseId, 'customer_follow_up', e.data.stepId));
    }
  }
  return [...ids].map((id) => `notice:${id}`);
}

export async function eraseCustomer(
  email: string,
  principal: Principal,
  deps: ErasureDeps,
): Promise<{ feedback: number; cases: number }> {
  requireAdmin(principal);
  const actor = `staff:${principal.memberId}`;
  const feedbackIds = await deps.customers.feedbackIdsOf(customerHashOf(email));
  let feedback = 0;
  let cases = 0;
  for (const feedbackId of feedbackIds) {
    const fb = await deps.cases.feedback(feedbackId);
    if (fb === undefined) continue;
    const needles = [email.trim(), fb.customer?.email, fb.customer?.name, fb.comment]
      .filter((s): s is string => typeof s === 'string' && s.trim().length >= 2)
      .map((s) => s.trim());
    if (await eraseCase(caseIdFor(feedbackId), feedbackId, needles, actor, deps)) cases += 1;
    if ((await deps.customers.eraseFeedback(feedbackId, deps.clock.now())) === 'erased') feedback += 1;
  }
  // The double opt-in state goes too: an erased customer is a stranger again, at every site.
  for (const site of deps.config.sites) await deps.customers.eraseContact(contactRefOf(site.id, email));
  // And what the journey events told about them: events, invitations, contact logs.
  await deps.customers.eraseJourneys(
    customerHashOf(email),
    deps.config.sites.map((site) => contactKeyOf(site.id, { email })),
  );
  return { feedback, cases };
}

async function eraseCase(
  caseId: string,
  feedbackId: string,
  needles: readonly string[],
  actor: string,
  deps: ErasureDeps,
): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const loaded = await deps.cases.load(caseId);
    if (loaded === undefined) return false;
    const write = planErasure(loaded, feedbackId, needles, actor, deps.clock.now(), deps.config);
    if (write === undefined) return false;
    if ((await deps.cases.commit(write)) === 'committed') return true;
    await new Promise((resolve) => setTimeout(resolve, Math.round(Math.random() * 20 * attempt)));
  }
  throw new Error(`case ${caseId}: could not write the erasure (kept changing)`);
}
