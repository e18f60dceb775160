/**
 * What settles a claim whose sender died (docs/design.md#notices): SES's send and delivery events
 * (the message carries the claim in its tags), else the notice reconciler, every 5 minutes, once
 * the claim's lease has run out: the notice is queued again once, and a second lease that runs out
 * ends `failed`, which pages (`NoticeLeasesFailed`).
 */
import type { Clock } from '../../shared/clock.ts';
import type { NoticeLedger, OpenClaim } from '../../shared/domain/notice-ports.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { parseMessage } from '../../shared/events/contract.ts';
import {
  isForCustomer,
  type NoticeRequested,
  noticeRequested,
} from '../../shared/events/notice-requested.ts';
import { countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { NOTICE_LEASE_MS, outcomeOf, type Recipient } from './deliver.ts';

export interface LeaseDeps {
  ledger: NoticeLedger;
  clock: Clock;
}

export interface ReconcileDeps extends LeaseDeps {
  /** Puts a notice back on its queue (staff or customer notices), as the relay does. */
  requeue: (notice: NoticeRequested, queue: 'staff' | 'customer') => Promise<void>;
}

/** Leases a notice may take: the first delivery's and one after a re-queue. */
export const MAX_LEASES = 2;

export interface LeaseReconcileResult {
  /** Open claims whose time had come. */
  due: number;
  requeued: number;
  failed: number;
  /** Changed by someone else (a send event, a live delivery, another run) between read and write. */
  raced: number;
  errors: number;
}

/**
 * One pass over the claims due now. Safe to run twice or alongside a delivery: every step is a
 * write conditional on the claim being as it was read. A pass that dies halfway leaves the rest
 * due, and a claim it released but did not queue is released and due again: the next pass queues it.
 */
export async function reconcileLeases(deps: ReconcileDeps): Promise<LeaseReconcileResult> {
  const now = deps.clock.now();
  const result: LeaseReconcileResult = { due: 0, requeued: 0, failed: 0, raced: 0, errors: 0 };
  await deps.ledger.dueClaims(now, async (claims) => {
    for (const claim of claims) {
      result.due++;
      try {
        result[await reconcileClaim(claim, now, deps)]++;
      } catch (error) {
        result.errors++;
        logger.error('claim not reconciled; it stays due', {
          noticeId: claim.key.noticeId,
          error: error as Error,
        });
      }
    }
  });
  if (result.due > 0) logger.info('notice leases reconciled', { ...result });
  return result;
}

async function reconcileClaim(
  claim: OpenClaim,
  now: Date,
  deps: ReconcileDeps,
): Promise<'requeued' | 'failed' | 'raced'> {
  const { notice, recipient } = openedNotice(claim);
  const log = { noticeId: notice.noticeId, kind: notice.kind, caseId: notice.caseId, leases: claim.leases };
  if (claim.status === 'sending' && claim.leases >= MAX_LEASES && claim.claimToken) {
    const error = `no send event from SES within ${MAX_LEASES} leases of ${NOTICE_LEASE_MS / MINUTE_MS} minutes`;
    await deps.ledger.complete(
      claim.key,
      claim.claimToken,
      outcomeOf(notice, recipient, 'failed', deps, { error }),
      now,
    );
    countLoop(loopMetric.noticeLeasesFailed);
    logger.error('notice failed: its second lease ran out without a send event', log);
    return 'failed';
  }
  if (!(await deps.ledger.expire(claim, new Date(now.getTime() + NOTICE_LEASE_MS)))) return 'raced';
  await deps.requeue(notice, isForCustomer(notice) ? 'customer' : 'staff');
  logger.warn('notice queued again: its lease ran out without a send event', log);
  return 'requeued';
}

/**
 * SES reported sending (or delivering) a message tagged with this claim: whoever held the claim
 * sent it, so it is `sent`, even when its sender died before saying so.
 */
export async function confirmSentByEvent(
  sent: { noticeId: string; recipientHash: string; messageId: string },
  deps: LeaseDeps,
): Promise<'recorded' | 'settled'> {
  const claim = await deps.ledger.openClaim(sent.noticeId, sent.recipientHash);
  if (!claim) return 'settled';
  const { notice, recipient } = openedNotice(claim);
  const outcome = outcomeOf(notice, recipient, 'sent', deps, { messageId: sent.messageId });
  const recorded = await deps.ledger.confirmSent(claim.key, outcome, deps.clock.now());
  if (recorded === 'recorded') {
    countLoop(loopMetric.noticesSent);
    logger.warn('notice settled sent by its SES event; its sender did not', { noticeId: sent.noticeId });
  }
  return recorded;
}

function openedNotice(claim: OpenClaim): { notice: NoticeRequested; recipient: Recipient } {
  const notice = parseMessage(claim.body, noticeRequested);
  const recipient = notice.to.find((r) => r.email === claim.key.email);
  if (!recipient) throw new Error(`notice ${notice.noticeId}: the claim's recipient is not among its own`);
  return { notice, recipient };
}
