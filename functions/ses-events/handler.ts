import type { Clock } from '../../shared/clock.ts';
import type { SuppressionList } from '../../shared/domain/notice-ports.ts';
import { logger } from '../../shared/observability.ts';

/**
 * SES sending events from our configuration set, delivered by its EventBridge event destination
 * to the default bus (source `aws.ses`; detail-types below) and from there by a rule to this
 * function. The detail is SES's event record: `{ eventType, mail, bounce | complaint, … }`.
 */
export const sesEventDetailTypes = ['Email Bounced', 'Email Complaint Received'] as const;

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
  clock: Clock;
}

/** `Name <a@b>` or `a@b` → `a@b`. */
function bareAddress(value: string): string | undefined {
  const inAngles = /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1];
  const address = (inAngles ?? value).trim();
  return /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}

/**
 * Permanent bounces and complaints put the address on the suppression list (invariant 8), so no
 * further customer email goes to it. Transient bounces (mailbox full, …) do not: SES retried
 * those already, and the address may work tomorrow.
 */
export function makeSesEventsHandler(deps: SesEventsDeps) {
  return async function sesEvents(event: SesEventBridgeEvent): Promise<{ suppressed: number }> {
    const detail = event.detail ?? {};
    const type = detail.eventType ?? detail.notificationType;
    const at = deps.clock.now();
    let suppressed = 0;
    if (type === 'Bounce') {
      const bounce = detail.bounce ?? {};
      if (bounce.bounceType !== 'Permanent') {
        logger.info('transient bounce ignored', {
          bounceType: bounce.bounceType,
          messageId: detail.mail?.messageId,
        });
        return { suppressed };
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
    return { suppressed };
  };
}
