import * as z from 'zod/mini';
import '../zod-locale.ts';
import { defineEvent } from './contract.ts';

/**
 * What the webhooks queue carries: one event for one destination (a webhook endpoint, or Slack).
 * An EventBridge rule per route (shared/domain/webhooks.ts `deliveryRoutes`) writes it with an
 * input template, so one event fanned out to three endpoints is three messages, retried apart.
 */
export const webhookDelivery = defineEvent(
  'webhook.delivery',
  1,
  z.object({
    type: z.literal('webhook.delivery'),
    version: z.literal(1),
    channel: z.enum(['webhook', 'slack']),
    /** The webhook endpoint's id (channel `webhook`). */
    endpointId: z.optional(z.string().check(z.minLength(1))),
    /** The bus event as published: a versioned contract from shared/events. */
    event: z.record(z.string(), z.unknown()),
    /** Set on the copy the consumer dead-lettered: why, after how many attempts. */
    deadLettered: z.optional(z.object({ at: z.string(), attempts: z.number(), reason: z.string() })),
  }),
);
export type WebhookDelivery = z.infer<typeof webhookDelivery.schema>;

/**
 * The input template of the EventBridge target of one route: the event's `detail` wrapped with its
 * destination. The local stack builds the same message (`deliveryMessage`).
 */
export function deliveryMessage(
  route: { channel: 'webhook' | 'slack'; endpointId?: string },
  event: Record<string, unknown>,
): WebhookDelivery {
  return {
    type: 'webhook.delivery',
    version: 1,
    channel: route.channel,
    ...(route.endpointId ? { endpointId: route.endpointId } : {}),
    event,
  };
}
