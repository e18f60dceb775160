import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { withoutAddresses } from '../../shared/domain/address.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import type { ContactStore } from '../../shared/domain/contact-ports.ts';
import { SCORE_RANGES, surveyLinksOf, surveyTokenOf } from '../../shared/domain/invitation.ts';
import type { InvitationReader } from '../../shared/domain/invitation-ports.ts';
import {
  type CaseReader,
  type Mailer,
  MailOutcomeUnknownError,
  type NoticeKey,
  type NoticeLedger,
  type NoticeOutcome,
  type NoticeStatus,
  type SuppressionList,
  TransientMailError,
  type UnsubscribeKeys,
} from '../../shared/domain/notice-ports.ts';
import { type LinkAction, type LinkPayload, linkExpiry, signLink } from '../../shared/domain/signed-link.ts';
import type { StaffBurstStore } from '../../shared/domain/staff-bursts.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { isForCustomer, type NoticeRequested } from '../../shared/events/notice-requested.ts';
import { mailbox } from '../../shared/notices/escape.ts';
import { type NoticeLocale, pickLocale } from '../../shared/notices/locale.ts';
import {
  type NoticeLinks,
  parseNoticeData,
  ratingValues,
  renderNotice,
} from '../../shared/notices/templates.ts';
import { countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { parseSubscriptionId } from '../../shared/repository/known-issue-item.ts';
import { admitCustomerNotice, confirmationNotice, releasedCopyIsStale } from '../contacts/index.ts';
import { admitStaffNotice } from './staff-bursts.ts';

export interface DeliverDeps {
  config: Config;
  /** Where links in emails point (`<base>/v1/actions/<token>`). */
  publicBaseUrl: string;
  /** The link-signing secret: AWSCURRENT in Secrets Manager (an in-process stand-in locally). */
  linkSecret: string;
  /** Each case's own key for its unsubscribe links. */
  unsubscribeKeys: UnsubscribeKeys;
  ledger: NoticeLedger;
  suppression: SuppressionList;
  contacts: ContactStore;
  /** Flood containment of staff alerts (core/notices/staff-bursts.ts). */
  bursts: StaffBurstStore;
  cases: CaseReader;
  /** An invitation's email is sent only while the invitation waits for its answer. */
  invitations: InvitationReader;
  mailer: Mailer;
  clock: Clock;
  /** Token ids for signed links. */
  newId: () => string;
}

export const NOTIFY_ACTOR = 'system:notify';
export const NOTIFY_VIA = 'notify';
/**
 * How long a claim stays `sending` before the reconciler may act on it: past any notify
 * invocation's timeout (30 s) and Lambda's 15-minute ceiling, so its holder is gone by then, and
 * long enough for SES's send event to arrive first.
 */
export const NOTICE_LEASE_MS = 15 * MINUTE_MS;
/** Tries at recording a sent notice's outcome (each already retried by the SDK) before giving up on the record. */
const outcomeAttempts = 3;

export type Recipient = NoticeRequested['to'][number];

/**
 * `held`: waiting for the address's double opt-in (core/contacts); `batched`: in a staff digest;
 * `sending`: SES gave no answer, the claim's lease decides.
 */
export type DeliveryResult = NoticeStatus | 'duplicate' | 'sending';

/**
 * Sends one notice to each of its recipients, each once (docs/design.md#notices, invariants 5
 * and 8). Per recipient: consent and suppression (customers only) → render → claim (a lease) → send
 * (tagged with the claim) → outcome + `notice_sent` timeline event. Throws only when a retry can help: a transient SES
 * failure (the claim is released first) or a storage error before anything was sent.
 */
export async function deliverNotice(notice: NoticeRequested, deps: DeliverDeps): Promise<DeliveryResult[]> {
  if (!isForCustomer(notice)) {
    const found = notice.caseId ? await deps.cases.get(notice.caseId) : undefined;
    const admitted = await admitStaffNotice(notice, found, { bursts: deps.bursts, now: deps.clock.now() });
    if (admitted === 'batched') {
      logger.info('staff notice joins the window digest', { noticeId: notice.noticeId, kind: notice.kind });
      // Settled `batched` in the ledger: the notice is accounted for (its digest carries it), and a
      // redelivery is a duplicate rather than a second entry.
      const results: DeliveryResult[] = [];
      for (const recipient of notice.to) {
        const settled = await deps.ledger.settle(
          { noticeId: notice.noticeId, email: recipient.email },
          outcomeOf(notice, recipient, 'batched', deps),
          deps.clock.now(),
        );
        results.push(settled === 'duplicate' ? 'duplicate' : 'batched');
      }
      return results;
    }
  }
  const results: DeliveryResult[] = [];
  for (const recipient of notice.to) results.push(await deliverTo(notice, recipient, deps));
  return results;
}

async function deliverTo(
  notice: NoticeRequested,
  recipient: Recipient,
  deps: DeliverDeps,
): Promise<DeliveryResult> {
  const key: NoticeKey = { noticeId: notice.noticeId, email: recipient.email };
  const customer = isForCustomer(notice);
  const log = { noticeId: notice.noticeId, kind: notice.kind, caseId: notice.caseId };

  let to = recipient;
  // Customer notices need the case (consent, status); staff notices about a case quote it.
  const found =
    notice.caseId && (customer || STAFF_CASE_KINDS.has(notice.kind))
      ? await deps.cases.get(notice.caseId)
      : undefined;
  const unsent = async (status: NoticeStatus, why: string): Promise<DeliveryResult> => {
    const settled = await deps.ledger.settle(
      key,
      outcomeOf(notice, recipient, status, deps),
      deps.clock.now(),
    );
    logger.info(`notice not sent: ${why}`, { ...log, status, settled });
    return settled === 'duplicate' ? 'duplicate' : status;
  };
  if (erasedSince(notice, found)) return unsent('erased', 'its case was erased since');
  const withdrawn = await withdrawnInvitation(notice, deps);
  if (withdrawn) return unsent(withdrawn, 'its invitation is gone or settled');
  if (customer) {
    const refusal = await customerRefusal(notice, recipient, found, deps);
    if (refusal) return unsent(refusal, 'the customer may not be mailed');
    const vouched = found ? found.contactVouched === true : vouchedWithoutCase(notice);
    // A known-issues subscriber asked through the public page: only a confirmed address is told,
    // and its mail is never held for a later confirmation (docs/known-issues.md).
    if (notice.kind !== 'customer_confirm' && (await unconfirmedSubscriber(notice, deps))) {
      return unsent('no_consent', 'the subscriber never confirmed the address');
    }
    if (notice.kind !== 'customer_confirm') {
      const held = await holdUnconfirmed(notice, recipient, found, vouched, deps);
      if (held) return held;
    }
    // A display name typed next to an address the shop did not vouch for is the submitter's
    // words, not the customer's: it never reaches a customer email (docs/threat-model.md).
    if (!vouched && to.name !== undefined) to = { ...to, name: undefined };
  }

  // Render before claiming: a template that cannot render is a bad message, not a lost notice.
  const site = deps.config.sites.find((s) => s.id === notice.data.siteId);
  const locale = pickLocale(recipient.locale, customer ? 'customer' : 'staff', site?.defaultLocale);
  const links = linksFor(notice, recipient, locale, customer, await unsubscribeSigner(notice, deps), deps);
  const rendered = renderNotice({
    kind: notice.kind,
    caseId: notice.caseId,
    data: notice.data,
    recipient: to,
    locale,
    serviceName: deps.config.service.name,
    timeZone: timeZoneOf(notice, deps.config),
    links,
  });
  const headers = links.unsubscribe
    ? [
        // RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` to this URL.
        { name: 'List-Unsubscribe', value: `<${links.unsubscribe}>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]
    : [];

  const now = deps.clock.now();
  const claim = await deps.ledger.claim(key, notice.kind, now, {
    until: new Date(now.getTime() + NOTICE_LEASE_MS),
    body: JSON.stringify(notice),
  });
  if (!claim.claimed) {
    // Sent (or being sent) by an earlier delivery of the same message. A claim left `sending` by a
    // crash is the notice reconciler's once its lease ends (core/notices/leases.ts): a send event
    // settles it `sent`, else it is queued again once.
    if (claim.status === 'sending') logger.warn('notice claimed by another delivery; its lease decides', log);
    else logger.info('notice already handled', { ...log, status: claim.status });
    return 'duplicate';
  }
  if (claim.lease > 1)
    logger.warn('notice sent again after its lease ran out', { ...log, lease: claim.lease });

  let outcome: NoticeOutcome;
  try {
    const { messageId } = await deps.mailer.send({
      from: mailbox(deps.config.service.senderEmail, deps.config.service.name),
      to: recipient.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers,
      tags: claim.tags,
    });
    outcome = outcomeOf(notice, recipient, 'sent', deps, { messageId });
  } catch (error) {
    if (error instanceof TransientMailError) {
      // Nothing was sent: give the notice back so the queue's redelivery (with backoff) retries it.
      await deps.ledger.release(key, claim.claimToken);
      throw error;
    }
    if (error instanceof MailOutcomeUnknownError) {
      // It may be out: the claim stays `sending` until SES's send event settles it or its lease
      // runs out and the reconciler queues it once more (docs/design.md#notices).
      logger.warn('send outcome unknown; the lease decides', { ...log, error: error.message });
      return 'sending';
    }
    const message = withoutAddresses(
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    );
    logger.error('notice failed permanently', { ...log, error: message });
    outcome = outcomeOf(notice, recipient, 'failed', deps, { error: message });
  }

  // The mail is out (or refused for good): a redelivery could not change that, only send twice, so
  // recording the outcome (and the `notice_sent` event) is retried here instead.
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.ledger.complete(key, claim.claimToken, outcome, deps.clock.now());
      break;
    } catch (error) {
      if (attempt < outcomeAttempts) continue;
      logger.error('notice outcome not recorded', { ...log, status: outcome.status, error: error as Error });
      break;
    }
  }
  countLoop(outcome.status === 'sent' ? loopMetric.noticesSent : loopMetric.noticesFailed);
  return outcome.status;
}

/** Invariant 8: no customer email without consent, none to a suppressed address. */
async function customerRefusal(
  notice: NoticeRequested,
  recipient: Recipient,
  found: Case | undefined,
  deps: DeliverDeps,
): Promise<'no_consent' | 'suppressed' | 'superseded' | undefined> {
  if (!hasConsent(notice, found)) return 'no_consent';
  if (releasedCopyIsStale(notice, found?.status)) return 'superseded';
  if (await deps.suppression.isSuppressed(recipient.email)) return 'suppressed';
  return undefined;
}

/**
 * A notice asked for before its customer's data was erased may quote what was erased (a critical
 * case's staff email carries the comment): it is not sent, even redriven from a DLQ days later.
 */
const erasedSince = (notice: NoticeRequested, found: Case | undefined) =>
  found?.erasedAt !== undefined && notice.requestedAt <= found.erasedAt;

/**
 * An invitation's email waits on the notify queue for seconds, its DLQ for days: by then the
 * customer may have been erased (the invitation deleted with their data) or have answered.
 */
async function withdrawnInvitation(
  notice: NoticeRequested,
  deps: DeliverDeps,
): Promise<'erased' | 'superseded' | undefined> {
  if (notice.kind !== 'customer_survey_invitation') return undefined;
  const { invitationId } = parseNoticeData('customer_survey_invitation', notice.data);
  const invitation = await deps.invitations.get(invitationId);
  if (!invitation) return 'erased';
  return invitation.status === 'sent' ? undefined : 'superseded';
}

/**
 * The case's `contactConsent` (copied from the feedback at triage) decides when there is a case;
 * without one, the producer must say `data.contactConsent: true`. An explicit `false` always wins.
 */
function hasConsent(notice: NoticeRequested, found: Case | undefined): boolean {
  const stated = notice.data.contactConsent;
  if (stated === false) return false;
  if (found) return found.contactConsent === true;
  return stated === true;
}

/**
 * Double opt-in: a notice to an address nobody confirmed waits (core/contacts), and the address
 * gets the one confirmation email it may get now, if any. Answers `held`, or undefined to send.
 */
async function holdUnconfirmed(
  notice: NoticeRequested,
  recipient: Recipient,
  found: Case | undefined,
  vouched: boolean,
  deps: DeliverDeps,
): Promise<'held' | 'duplicate' | undefined> {
  const siteId = typeof notice.data.siteId === 'string' ? notice.data.siteId : (found?.siteId ?? '');
  const admission = await admitCustomerNotice(
    { notice, email: recipient.email, siteId, vouched, ...(found ? { caseCreatedAt: found.createdAt } : {}) },
    {
      contacts: deps.contacts,
      clock: deps.clock,
      confirmationsPerSitePerHour: deps.config.intake.confirmationsPerSitePerHour,
    },
  );
  if (admission.decision === 'send') return undefined;
  // Settled `held` in the ledger: a redelivery of this notice after the confirmation is a
  // duplicate, so only the released copy reaches the customer.
  const settled = await deps.ledger.settle(
    { noticeId: notice.noticeId, email: recipient.email },
    outcomeOf(notice, recipient, 'held', deps),
    deps.clock.now(),
  );
  logger.info('customer notice held for confirmation', {
    noticeId: notice.noticeId,
    kind: notice.kind,
    caseId: notice.caseId,
    confirmation: admission.confirmation,
    settled,
  });
  if (settled === 'duplicate') return 'duplicate';
  if (admission.confirm) {
    const site = deps.config.sites.find((s) => s.id === siteId);
    const confirm = confirmationNotice(
      admission.confirm,
      { email: recipient.email, locale: recipient.locale ?? found?.customerLocale ?? site?.defaultLocale },
      { id: siteId, name: site?.name ?? deps.config.service.name },
      deps.clock.now(),
      notice.caseId,
    );
    await deliverTo(confirm, confirm.to[0] as Recipient, deps);
  }
  return 'held';
}

/** The outcome to record for one recipient, with its `notice_sent` timeline event when there is a case. */
export function outcomeOf(
  notice: NoticeRequested,
  recipient: Recipient,
  status: NoticeStatus,
  deps: { clock: Clock },
  extra: { messageId?: string; error?: string } = {},
): NoticeOutcome {
  const customer = isForCustomer(notice);
  const event: TimelineEvent | undefined = notice.caseId
    ? {
        at: deps.clock.now().toISOString(),
        type: 'notice_sent',
        actor: NOTIFY_ACTOR,
        via: NOTIFY_VIA,
        data: {
          noticeId: notice.noticeId,
          kind: notice.kind,
          step: notice.step,
          status,
          // The customer's address stays on the feedback only (erasure finds it there).
          to: customer ? 'customer' : recipient.email,
          ...(recipient.memberId ? { memberId: recipient.memberId } : {}),
          ...(extra.messageId ? { messageId: extra.messageId } : {}),
          ...(extra.error ? { error: extra.error.slice(0, 500) } : {}),
        },
      }
    : undefined;
  return {
    status,
    kind: notice.kind,
    ...(notice.caseId ? { caseId: notice.caseId } : {}),
    ...extra,
    ...(event ? { event } : {}),
  };
}

const STAFF_CASE_KINDS = new Set(['staff_new_critical', 'staff_pre_breach', 'staff_escalation']);

/**
 * The case an unsubscribe link names and the key that signs it: the notice's case, or for a
 * confirmation the case whose notice asked for it. A customer notice with neither (none is made
 * so) gets a link naming the address, signed with the link secret, as before.
 */
async function unsubscribeSigner(
  notice: NoticeRequested,
  deps: DeliverDeps,
): Promise<{ caseId: string; key: string } | undefined> {
  if (!isForCustomer(notice)) return undefined;
  // An invitation's link names the invitation: its key is kept under that id like a case's.
  const caseId =
    notice.caseId ??
    (typeof notice.data.caseId === 'string' ? notice.data.caseId : undefined) ??
    // A known-issues subscriber's link names the subscription: its key is kept under that id.
    (typeof notice.data.subscriptionId === 'string' ? notice.data.subscriptionId : undefined) ??
    (notice.kind === 'customer_survey_invitation' && typeof notice.data.invitationId === 'string'
      ? notice.data.invitationId
      : undefined);
  if (caseId === undefined) return undefined;
  const now = deps.clock.now();
  const until = linkExpiry('unsubscribe', now) + 86_400;
  return { caseId, key: await deps.unsubscribeKeys.keyFor(caseId, now, until) };
}

/** The signed links one recipient's email carries (each signed for that recipient). */
function linksFor(
  notice: NoticeRequested,
  recipient: Recipient,
  locale: NoticeLocale,
  customer: boolean,
  unsubscribe: { caseId: string; key: string } | undefined,
  deps: DeliverDeps,
): NoticeLinks {
  const now = deps.clock.now();
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const url = (
    act: LinkAction,
    extra: Partial<LinkPayload> = {},
    jti = newJti(deps),
    key = deps.linkSecret,
  ) =>
    `${base}/v1/actions/${signLink(
      {
        jti,
        act,
        exp: linkExpiry(act, now),
        locale,
        ...(notice.caseId ? { caseId: notice.caseId } : {}),
        ...extra,
      },
      key,
    )}`;
  const links: NoticeLinks = {};
  if (customer) {
    links.unsubscribe = unsubscribe
      ? url('unsubscribe', { caseId: unsubscribe.caseId }, newJti(deps), unsubscribe.key)
      : url('unsubscribe', { email: recipient.email });
    if (notice.kind === 'customer_confirm' && typeof notice.data.contactId === 'string') {
      links.confirm = url('confirm', { contactId: notice.data.contactId });
    }
    if (notice.kind === 'customer_survey_invitation') links.survey = surveyLinks(notice, locale, base, deps);
    if (notice.kind === 'customer_follow_up' && notice.caseId) {
      const { scale } = parseNoticeData('customer_follow_up', notice.data);
      // One token id for all answers: the first one clicked counts, the others are then "used".
      const jti = newJti(deps);
      links.rate = ratingValues[scale].map((value) => ({ value, url: url('rate', { value }, jti) }));
    }
    return links;
  }
  if (!notice.caseId || !STAFF_CASE_KINDS.has(notice.kind)) return links;
  const member = recipient.memberId ? { memberId: recipient.memberId } : {};
  if (recipient.memberId) {
    if (mayAcknowledge(notice)) {
      links.acknowledge = url('acknowledge', member);
    }
    links.claim = url('claim', member);
  }
  links.open = url('open', member);
  return links;
}

/**
 * Acknowledging makes sense until the case is acknowledged: the step's `status` says so when the
 * producer sent it; without it, a resolve-clock step is taken to concern an acknowledged case.
 */
function mayAcknowledge(notice: NoticeRequested): boolean {
  const status = notice.data.status;
  if (typeof status === 'string') return status === 'open' || status === 'reopened';
  return notice.kind === 'staff_new_critical' || notice.data.clock !== 'resolve';
}

/**
 * Only a survey invitation goes without a case, and only to an address the shop's backend gave
 * with its server key (core/invitations): that is the shop vouching, as for a server-key case.
 */
function vouchedWithoutCase(notice: NoticeRequested): boolean {
  return notice.kind === 'customer_survey_invitation' && notice.data.vouchedBy === 'server_key';
}

/** The page, and the page with each score picked; the same token as the events answer's link. */
function surveyLinks(notice: NoticeRequested, locale: NoticeLocale, base: string, deps: DeliverDeps) {
  const data = parseNoticeData('customer_survey_invitation', notice.data);
  const token = surveyTokenOf(
    { invitationId: data.invitationId, customer: { locale }, closesAt: data.closesAt },
    deps.linkSecret,
  );
  const { surveyUrl } = surveyLinksOf(base, token);
  const { min, max } = SCORE_RANGES[data.surveyType];
  const scores = Array.from({ length: max - min + 1 }, (_, i) => String(min + i)).map((value) => ({
    value,
    url: `${surveyUrl}?score=${value}`,
  }));
  return { url: surveyUrl, scores };
}

/** A mail to a known-issues subscriber whose address is not confirmed at its site. */
async function unconfirmedSubscriber(notice: NoticeRequested, deps: DeliverDeps): Promise<boolean> {
  const id = notice.data.subscriptionId;
  if (typeof id !== 'string') return false;
  const parsed = parseSubscriptionId(id);
  if (!parsed) return true;
  return (await deps.contacts.status(parsed.ref)) !== 'confirmed';
}

const newJti = (deps: DeliverDeps) => deps.newId().replace(/-/g, '');

/** Dates in the owning team's calendar zone, else the first calendar's. */
function timeZoneOf(notice: NoticeRequested, config: Config): string {
  const team = config.teams.find((t) => t.id === notice.data.teamId);
  const calendarId = team?.calendarId ?? config.teams[0]?.calendarId;
  return (
    config.calendars.find((c) => c.id === calendarId)?.timeZone ?? config.calendars[0]?.timeZone ?? 'UTC'
  );
}
