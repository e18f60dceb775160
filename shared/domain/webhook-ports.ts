/**
 * Ports of the webhook deliveries (core/webhooks/deliver.ts); adapters in shared/adapters
 * (webhook-store.ts, http-poster.ts) and, per queue record, in functions/webhooks.
 */
import type { Feedback } from './feedback.ts';

/** One destination: a configured webhook endpoint, or the Slack channel. */
export type EndpointRef = { channel: 'webhook'; endpointId: string } | { channel: 'slack' };

/** What is kept about an endpoint: only that it is gone (410), since when and on what. */
export interface EndpointState {
  disabledAt: string;
  disabledBy: { status: number; webhookId: string; eventType: string };
}

export interface EndpointStates {
  /** Undefined while the endpoint is in service. */
  get(ref: EndpointRef): Promise<EndpointState | undefined>;
  /** Disables it (idempotent: the first disabling stays). */
  disable(ref: EndpointRef, state: EndpointState): Promise<void>;
}

/** The answer of one POST: its status, or why there was none (timeout, refused, DNS). */
export type PostResult = { status: number } | { error: string };

export interface HttpPoster {
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult>;
}

/** The feedback a `feedback.received` delivery describes (and whose customer a personal one names). */
export interface FeedbackLookup {
  get(feedbackId: string): Promise<Feedback | undefined>;
}
