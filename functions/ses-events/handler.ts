import { confirmSentByEvent } from '../../core/notices/leases.ts';
import type { Clock } from '../../shared/clock.ts';
import type { NoticeLedger, SuppressionList } from '../../shared/domain/notice-ports.ts';
import { logger } from '../../shared/observability.ts';
import { claimOfTags } from '../../shared/repository/notice-item.ts';

/**
 * SES sending events from our configuration set, delivered by its EventBridge event destination
 * to the default bus (source `aws.ses`; detail-types below) and from there by a rule to this
 * function. The detail is SES's event record: `{ eventType, mail, bounce | complaint, … }`.
 */
export const sesEventDetailTypes = [
  'Email Sent',
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
] as const;

export interface SesEventDetail {
  eventType?: string;
  /** Older notification format (without event publishing). */
  notificationType?: string;
  mail?: { messageId?: string; tags?: Record<string, string[]> };
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: { emailAddress?: string; status?: string }[];
    feedbackId?: string;
  };
  complaint?: {
    complainedRecipients?: { emailAddress?: string }[];
    complaintFeedbackType?: string;
    feedbackId?: string;
  };
}

export interface SesEventBridgeEvent {
  'detail-type'?: string;
  source?: string;
  detail?: SesEventDetail;
}

export interface SesEventsDeps {
  suppression: SuppressionList;
  /** Claims a send or delivery event settles (core/notices/leases.ts). */
  ledger: NoticeLedger;
  clock: Clock;
}

export interface SesEventsResult {
  suppressed: number;
  /** 1 when the event settled a claim its sender left open. */
  confirmed: number;
}

/** `Name <a@b>` or `a@b` → `a@b`. */
function bareAddress(value: string): string | undefined {
  const inAngles = /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1];
  const address = (inAngles ?? value).trim();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}

/**
 * Send and delivery events settle a claim left `sending` (its sender died after SES took the
 * message), so the reconciler does not queue it again. Permanent bounces and complaints put the
 * address on the suppression list (invariant 8), so no further customer email goes to it.
 * Transient bounces (mailbox full, …) do not: SES retried those already, and the address may work
 * tomorrow.
 */
export function makeSesEventsHandler(deps: SesEventsDeps) {
  return async function sesEvents(event: SesEventBridgeEvent): Promise<SesEventsResult> {
    const detail = event.detail ?? {};
    const type = detail.eventType ?? detail.notificationType;
    const at = deps.clock.now();
    let suppressed = 0;
    if (type === 'Send' || type === 'Delivery') {
      const claim = claimOfTags(detail.mail?.tags);
      const messageId = detail.mail?.messageId;
      if (!claim || !messageId) return { suppressed, confirmed: 0 };
      const recorded = await confirmSentByEvent(
        { noticeId: claim.noticeId, recipientHash: claim.hash, messageId },
        { ledger: deps.ledger, clock: deps.clock },
      );
      return { suppressed, confirmed: recorded === 'recorded' ? 1 : 0 };
    }
    if (type === 'Bounce') {
      const bounce = detail.bounce ?? {};
      if (bounce.bounceType !== 'Permanent') {
        logger.info('transient bounce ignored', {
          bounceType: bounce.bounceType,
          messageId: detail.mail?.messageId,
        });
        return { suppressed, confirmed: 0 };
      }
      for (const r of bounce.bouncedRecipients ?? []) {
        const address = bareAddress(r.emailAddress ?? '');
        if (!address) continue;
        await deps.suppression.add(address, 'bounce', at, {
          bounceSubType: bounce.bounceSubType ?? null,
          status: r.status ?? null,
          sesMessageId: detail.mail?.messageId ?? null,
        });
        suppressed++;
      }
    } else if (type === 'Complaint') {
      const complaint = detail.complaint ?? {};
      for (const r of complaint.complainedRecipients ?? []) {
        const address = bareAddress(r.emailAddress ?? '');
        if (!address) continue;
        await deps.suppression.add(address, 'complaint', at, {
          complaintFeedbackType: complaint.complaintFeedbackType ?? null,
          sesMessageId: detail.mail?.messageId ?? null,
        });
        suppressed++;
      }
    } else {
      logger.info('SES event ignored', { type, detailType: event['detail-type'] });
    }
    if (suppressed > 0) logger.info('addresses suppressed', { type, suppressed });
    return { suppressed, confirmed: 0 };
  };
}
