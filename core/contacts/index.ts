/**
 * Double opt-in (docs/threat-model.md): the one place that decides whether a customer email may go
 * to an address now, holds it until the address is confirmed, asks for that confirmation at most
 * once a day per address and within the site's hourly quota, releases what is still relevant once
 * confirmed, and lapses a case's consent after a week without confirmation.
 */
import type { Clock } from '../../shared/clock.ts';
import type { TimelineEvent } from '../../shared/domain/case.ts';
import {
  type ContactRef,
  contactIdOf,
  contactRefOf,
  gateCustomerMail,
  lapseDueAt,
  noticesToRelease,
} from '../../shared/domain/contact.ts';
import type { ContactStore } from '../../shared/domain/contact-ports.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';

export interface ContactDeps {
  contacts: ContactStore;
  clock: Clock;
  /** `intake.confirmationsPerSitePerHour`. */
  confirmationsPerSitePerHour: number;
}

export type Admission =
  | { decision: 'send' }
  /** Held until confirmed; `confirm` names the confirmation email to send now, if one is due. */
  | { decision: 'hold'; confirm?: ContactRef; confirmation: 'due' | 'not_due' | 'over_quota' };

export interface AdmitInput {
  notice: NoticeRequested;
  email: string;
  siteId: string;
  /** The shop sent this address with its server key. */
  vouched: boolean;
  /** The case's creation time: its consent lapses a grace period later if still unconfirmed. */
  caseCreatedAt?: string;
}

/** Whether one customer notice to one address may go out now; holds it otherwise. */
export async function admitCustomerNotice(input: AdmitInput, deps: ContactDeps): Promise<Admission> {
  const { contacts } = deps;
  const now = deps.clock.now();
  const ref = contactRefOf(input.siteId, input.email);
  const status = await contacts.status(ref);
  if (gateCustomerMail(status, input.vouched) === 'send') {
    // The shop knows its customer: the address counts as confirmed at this site from now on.
    if (input.vouched && status !== 'confirmed') await contacts.confirm(ref, now, 'server_key', []);
    return { decision: 'send' };
  }

  const caseId = input.notice.caseId;
  await contacts.hold(
    ref,
    { caseId: caseId ?? '', requestedAt: input.notice.requestedAt, notice: input.notice },
    now,
  );
  if (caseId && input.caseCreatedAt) {
    await contacts.scheduleLapse({ caseId, ref, dueAt: lapseDueAt(input.caseCreatedAt).toISOString() });
  }
  // A confirmation that landed between our read and the hold has already released what it saw.
  if ((await contacts.status(ref)) === 'confirmed') return { decision: 'send' };

  if (!(await contacts.reserveConfirmation(ref, now))) return { decision: 'hold', confirmation: 'not_due' };
  if (!(await contacts.takeQuota(input.siteId, now, deps.confirmationsPerSitePerHour))) {
    await contacts.unreserveConfirmation(ref, now);
    return { decision: 'hold', confirmation: 'over_quota' };
  }
  return { decision: 'hold', confirm: ref, confirmation: 'due' };
}

/** The `customer_confirm` notice for one address (fixed text: nothing the submitter wrote). */
export function confirmationNotice(
  ref: ContactRef,
  to: { email: string; locale?: string },
  site: { id: string; name: string },
  now: Date,
  /** The case whose notice asked for the confirmation: its unsubscribe link names that case. */
  caseId?: string,
): NoticeRequested {
  const contactId = contactIdOf(ref);
  return {
    type: 'notice.requested',
    version: 1,
    noticeId: `customer_confirm:${contactId}:${now.toISOString()}`,
    kind: 'customer_confirm',
    audience: 'customer',
    step: 'confirm',
    to: [{ email: to.email, ...(to.locale ? { locale: to.locale } : {}) }],
    data: {
      siteId: site.id,
      siteName: site.name,
      contactId,
      contactConsent: true,
      ...(caseId ? { caseId } : {}),
    },
    requestedAt: now.toISOString(),
  };
}

/**
 * The notice as it goes out after the confirmation: a new id, because the held one is settled
 * `held` in the notice ledger (so a late redelivery of it is a duplicate, never a second mail),
 * while the copy is claimed and sent once like any notice.
 */
export const releasedCopy = (notice: NoticeRequested): NoticeRequested => ({
  ...notice,
  noticeId: `${notice.noticeId}:released`,
});

/**
 * A released copy that the case has moved past (a `received` or `progress` of a case now resolved
 * or closed): a notice still in flight at the confirmation tells the newer state on its own.
 */
export function releasedCopyIsStale(notice: NoticeRequested, caseStatus: string | undefined): boolean {
  if (!notice.noticeId.endsWith(':released') || caseStatus === undefined) return false;
  const told = caseStages.indexOf(notice.kind);
  return (
    told >= 0 && told < caseStages.indexOf('customer_resolved') && ['resolved', 'closed'].includes(caseStatus)
  );
}

/** Customer notices in the order a case tells them; a later one supersedes an earlier one. */
const caseStages: readonly string[] = [
  'customer_received',
  'customer_progress',
  'customer_resolved',
  'customer_problem_resolved',
  'customer_follow_up',
];

/** The owner followed the confirmation link: confirmed, and the newest held notices go out. */
export async function confirmContact(ref: ContactRef, deps: Pick<ContactDeps, 'contacts' | 'clock'>) {
  const held = await deps.contacts.held(ref);
  const { release } = noticesToRelease(held, (notice) => caseStages.indexOf(notice.kind));
  const result = await deps.contacts.confirm(
    ref,
    deps.clock.now(),
    'link',
    release.map((h) => releasedCopy(h.notice)),
  );
  await deps.contacts.dropHeld(ref, held);
  return { result, released: release.length, dropped: held.length - release.length };
}

export const LAPSE_ACTOR = 'system:contacts';

/** The minute schedule's part: consent lapses of cases whose address stayed unconfirmed. */
export async function lapseUnconfirmed(deps: Pick<ContactDeps, 'contacts' | 'clock'>) {
  const now = deps.clock.now();
  let lapsed = 0;
  let confirmed = 0;
  for (const lapse of await deps.contacts.dueLapses(now)) {
    if ((await deps.contacts.status(lapse.ref)) === 'confirmed') {
      await deps.contacts.clearLapse(lapse);
      confirmed += 1;
      continue;
    }
    const event: TimelineEvent = {
      at: now.toISOString(),
      type: 'consent_lapsed',
      actor: LAPSE_ACTOR,
      via: 'sla',
      data: { reason: 'address_unconfirmed', dueAt: lapse.dueAt },
    };
    if ((await deps.contacts.lapse(lapse, event, now)) === 'lapsed') lapsed += 1;
    const held = await deps.contacts.held(lapse.ref);
    await deps.contacts.dropHeld(
      lapse.ref,
      held.filter((h) => h.caseId === lapse.caseId),
    );
  }
  return { lapsed, confirmed };
}
