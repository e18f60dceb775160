import type { Mailer } from '../../shared/domain/notice-ports.ts';

/** The part of an SES event functions/ses-events reads (shape: functions/ses-events/handler.ts). */
export interface LocalSendEvent {
  source: 'aws.ses';
  'detail-type': 'Email Sent';
  detail: { eventType: 'Send'; mail: { messageId: string; tags: Record<string, string[]> } };
}

/**
 * The stand-in for the configuration set's send events: SES local keeps no tags and publishes no
 * events, so once it has taken a message, its answer is turned into the `Email Sent` event SES
 * would publish and handed to functions/ses-events' handler a moment later (after the sender has
 * had its chance to settle the claim, as EventBridge's delivery comes after SES's answer).
 */
export function withSendEvents(
  mailer: Mailer,
  deliver: (event: LocalSendEvent) => Promise<unknown>,
  onError: (error: unknown) => void,
): { mailer: Mailer; idle: () => Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    mailer: {
      async send(mail) {
        const sent = await mailer.send(mail);
        const tags = Object.fromEntries((mail.tags ?? []).map((t) => [t.name, [t.value]]));
        const event: LocalSendEvent = {
          source: 'aws.ses',
          'detail-type': 'Email Sent',
          detail: { eventType: 'Send', mail: { messageId: sent.messageId, tags } },
        };
        const delivery = new Promise<void>((resolve) => setImmediate(resolve))
          .then(() => deliver(event))
          .then(
            () => undefined,
            (error: unknown) => onError(error),
          )
          .finally(() => pending.delete(delivery));
        pending.add(delivery);
        return sent;
      },
    },
    /** Resolves once every event handed over so far was handled. */
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
