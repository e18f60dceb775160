/**
 * Outbound webhooks (docs/webhooks.md), pure: which events go to which endpoint, the body an
 * endpoint gets, its stable `webhook-id`, what personal data is left out, and when a failed
 * delivery is tried again. The signing itself (Standard Webhooks) is in core/webhooks.
 */
import { createHash } from 'node:crypto';
import { HOUR_MS } from './time.ts';

/** Every event an endpoint may ask for. `insight.spike` is accepted in config but not emitted yet. */
export const WEBHOOK_EVENT_TYPES = [
  'feedback.received',
  'case.opened',
  'case.escalated',
  'case.resolved',
  'problem.resolved',
  'problem.verified',
  'insight.spike',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Deliveries are tried for this long after the event happened, then dead-lettered. */
export const DELIVERY_WINDOW_MS = 24 * HOUR_MS;
/** The first retry waits this long; each one after waits twice as long as the one before… */
export const FIRST_RETRY_SECONDS = 30;
/** …up to this. */
export const LONGEST_RETRY_SECONDS = 3600;
/** A POST that has not answered within this is a failed attempt. */
export const DELIVERY_TIMEOUT_MS = 5000;

type Event = Record<string, unknown>;
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * What makes one event of its type unique: the tail of its outbox id. The same event published
 * twice (the reconciler's second copy) has the same key, so the same `webhook-id`.
 */
export function eventKeyOf(event: Event): string | undefined {
  const caseId = text(event.caseId);
  switch (event.type) {
    case 'feedback.received':
      return text(event.feedbackId);
    case 'case.opened':
      return caseId;
    case 'case.escalated':
      return caseId && text(event.stepId) ? `${caseId}:${event.stepId}` : undefined;
    case 'case.resolved':
      return caseId && typeof event.caseVersion === 'number' ? `${caseId}:v${event.caseVersion}` : undefined;
    case 'problem.resolved':
    case 'problem.verified':
      return text(event.problemId) && typeof event.resolution === 'number'
        ? `${event.problemId}:r${event.resolution}`
        : undefined;
    default:
      return undefined;
  }
}

/** When the event happened (ISO): the body's `timestamp`, and the start of its delivery window. */
export function occurredAtOf(event: Event): string | undefined {
  switch (event.type) {
    case 'feedback.received':
      return text(event.receivedAt);
    case 'case.opened':
      return text(event.openedAt);
    case 'case.escalated':
      return text(event.escalatedAt);
    case 'case.resolved':
    case 'problem.resolved':
      return text(event.resolvedAt);
    case 'problem.verified':
      return text(event.verifiedAt);
    default:
      return undefined;
  }
}

/**
 * The delivery's `webhook-id`: the same for every attempt of one event to one endpoint (receivers
 * de-duplicate on it), different for another endpoint or another event.
 */
export function webhookIdOf(endpointId: string, eventType: string, eventKey: string): string {
  const digest = createHash('sha256').update(`${endpointId}\n${eventType}\n${eventKey}`).digest('base64url');
  return `msg_${digest.slice(0, 27)}`;
}

/**
 * What erasure removes from feedback is what a webhook leaves out unless the endpoint says
 * `includePersonalData`: the customer's address and name, the comment, the free-form context
 * (docs/design.md#erasure-and-retention).
 */
export const PERSONAL_FIELDS = ['comment', 'context'] as const;
export const PERSONAL_CUSTOMER_FIELDS = ['email', 'name'] as const;

/** `data` without personal data (a copy; `data` itself is left as it is). */
export function withoutPersonalData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  for (const key of PERSONAL_FIELDS) delete out[key];
  const customer = out.customer;
  if (customer && typeof customer === 'object' && !Array.isArray(customer)) {
    const rest: Record<string, unknown> = { ...(customer as Record<string, unknown>) };
    for (const key of PERSONAL_CUSTOMER_FIELDS) delete rest[key];
    if (Object.keys(rest).length === 0) delete out.customer;
    else out.customer = rest;
  }
  return out;
}

/** The JSON an endpoint receives: the event's contract name and version, when, and its fields. */
export interface WebhookBody {
  type: string;
  version: number;
  timestamp: string;
  data: Record<string, unknown>;
}

/**
 * The body of one delivery. `data` is the event without its `type` and `version`, plus `extra`
 * (what the consumer read for it, such as the feedback of `feedback.received`), then stripped of
 * personal data unless the endpoint includes it.
 */
export function webhookBody(
  event: Event,
  timestamp: string,
  opts: { includePersonalData: boolean; extra?: Record<string, unknown> },
): WebhookBody {
  const { type, version, ...fields } = event;
  const data = { ...fields, ...opts.extra };
  return {
    type: String(type),
    version: typeof version === 'number' ? version : 1,
    timestamp,
    data: opts.includePersonalData ? data : withoutPersonalData(data),
  };
}

/** Seconds to wait after failed attempt `attempt` (1 = the first): 30 s, 60 s, 2 min … 1 h, 1 h. */
export function retryDelaySeconds(attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.min(n - 1, 20));
}

/**
 * After failed attempt `attempt` at `now`: wait and try again, the last try at the window's end,
 * or give up (dead-letter) once the window has passed.
 */
export function nextAttempt(
  attempt: number,
  occurredAt: string,
  now: Date,
): { retryInSeconds: number } | { giveUp: true } {
  const left = Date.parse(occurredAt) + DELIVERY_WINDOW_MS - now.getTime();
  if (!(left > 0)) return { giveUp: true };
  return { retryInSeconds: Math.max(1, Math.min(retryDelaySeconds(attempt), Math.ceil(left / 1000))) };
}

/** How an attempt ended: 2xx delivered, 410 the endpoint is gone for good, anything else retried. */
export type AttemptOutcome = 'delivered' | 'gone' | 'failed';

export function outcomeOf(status: number | undefined): AttemptOutcome {
  if (status !== undefined && status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'failed';
}

/** One EventBridge rule's worth of routing: these events (and severities) to this destination. */
export interface DeliveryRoute {
  /** Unique, readable: `webhook-<id>`, `slack-opened`, `slack-escalated`. */
  id: string;
  channel: 'webhook' | 'slack';
  endpointId?: string;
  eventTypes: string[];
  /** Only events whose `severity` is one of these (absent: all). */
  severities?: string[];
}

interface RoutingConfig {
  webhooks: readonly { id: string; events: readonly string[] }[];
  slack?: { escalations: 'all' | 'critical' } | undefined;
}

/**
 * Every route of the config: one per webhook endpoint (its events), and for Slack the critical
 * `case.opened` and the `case.escalated` it asks for. The CDK stack makes an EventBridge rule of
 * each, the local stack a bus subscription, so both fan out the same way: one queue message per
 * endpoint and event, so an endpoint that accepted never gets it again when another fails.
 */
export function deliveryRoutes(config: RoutingConfig): DeliveryRoute[] {
  const routes: DeliveryRoute[] = config.webhooks.map((w) => ({
    id: `webhook-${w.id}`,
    channel: 'webhook',
    endpointId: w.id,
    eventTypes: [...w.events],
  }));
  if (config.slack) {
    routes.push({
      id: 'slack-opened',
      channel: 'slack',
      eventTypes: ['case.opened'],
      severities: ['critical'],
    });
    routes.push({
      id: 'slack-escalated',
      channel: 'slack',
      eventTypes: ['case.escalated'],
      ...(config.slack.escalations === 'critical' ? { severities: ['critical'] } : {}),
    });
  }
  return routes;
}

/** Whether `event` takes `route` (what the EventBridge pattern of the route matches). */
export function routeMatches(route: DeliveryRoute, event: Event): boolean {
  if (!route.eventTypes.includes(String(event.type))) return false;
  return route.severities === undefined || route.severities.includes(String(event.severity));
}

/** Whether any endpoint asks for this event type (triage publishes `feedback.received` only then). */
export function anyEndpointWants(config: RoutingConfig, eventType: WebhookEventType): boolean {
  return config.webhooks.some((w) => w.events.includes(eventType));
}
