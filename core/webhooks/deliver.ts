/**
 * One outbound delivery (docs/webhooks.md): one event to one destination, a webhook endpoint or
 * the Slack channel. A webhook gets the event's contract as `{ type, version, timestamp, data }`,
 * signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with its
 * endpoint's secret; Slack gets a Block Kit message. A 2xx is done; a 410 disables the endpoint
 * for good; anything else is tried again with exponential backoff until 24 h after the event,
 * then dead-lettered. The `webhook-id` is the same on every attempt, so receivers de-duplicate.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { Clock } from '../../shared/clock.ts';
import type { Team, Webhook } from '../../shared/config/schema.ts';
import type { Feedback } from '../../shared/domain/feedback.ts';
import { slackMessage } from '../../shared/domain/slack.ts';
import type {
  EndpointRef,
  EndpointStates,
  FeedbackLookup,
  HttpPoster,
  PostResult,
} from '../../shared/domain/webhook-ports.ts';
import {
  DELIVERY_TIMEOUT_MS,
  eventKeyOf,
  nextAttempt,
  occurredAtOf,
  outcomeOf,
  retryDelaySeconds,
  webhookBody,
  webhookIdOf,
} from '../../shared/domain/webhooks.ts';
import type { WebhookDelivery } from '../../shared/events/webhook-delivery.ts';

export interface WebhookDeps {
  /** The configured endpoints (their URLs; the local stack's point at its sink). */
  webhooks: readonly Webhook[];
  /** The Slack incoming-webhook URL (a secret); absent without `slack` in config. */
  slackUrl?: (() => Promise<string>) | undefined;
  /** A signing secret by its Secrets Manager name (cached by the caller). */
  secretOf: (secretName: string) => Promise<string>;
  states: EndpointStates;
  feedback: FeedbackLookup;
  http: HttpPoster;
  clock: Clock;
  /** Where the console is (Slack's "Open" button). */
  publicBaseUrl: string;
  /** Names in Slack messages. */
  teams: readonly Team[];
  timeoutMs?: number;
}

/** A redriven delivery (it carries `deadLettered`) gets this many more attempts, about 4 hours. */
export const REDRIVE_ATTEMPTS = 10;

export type DeliveryOutcome =
  | { outcome: 'delivered'; status: number; webhookId?: string }
  | {
      outcome: 'skipped';
      reason: 'endpoint_disabled' | 'unknown_endpoint' | 'slack_not_configured';
    }
  | { outcome: 'disabled'; status: 410; webhookId?: string }
  | { outcome: 'retry'; retryInSeconds: number; attempt: number; result: PostResult; webhookId?: string }
  | { outcome: 'give_up'; attempt: number; result: PostResult; webhookId?: string };

interface Request {
  url: string;
  body: string;
  headers: Record<string, string>;
  webhookId?: string;
}

/** Delivers `delivery` once: `attempt` is this try's number (the queue's receive count). */
export async function deliver(
  delivery: WebhookDelivery,
  attempt: number,
  deps: WebhookDeps,
): Promise<DeliveryOutcome> {
  const ref: EndpointRef | undefined =
    delivery.channel === 'slack'
      ? { channel: 'slack' }
      : delivery.endpointId
        ? { channel: 'webhook', endpointId: delivery.endpointId }
        : undefined;
  const endpoint =
    ref?.channel === 'webhook' ? deps.webhooks.find((w) => w.id === ref.endpointId) : undefined;
  // An endpoint removed from config (or Slack turned off) since the event was queued: nobody to tell.
  if (ref === undefined || (ref.channel === 'webhook' && endpoint === undefined)) {
    return { outcome: 'skipped', reason: 'unknown_endpoint' };
  }
  if (ref.channel === 'slack' && deps.slackUrl === undefined) {
    return { outcome: 'skipped', reason: 'slack_not_configured' };
  }
  if (await deps.states.get(ref)) return { outcome: 'skipped', reason: 'endpoint_disabled' };

  const now = deps.clock.now();
  const event = delivery.event;
  const key = eventKeyOf(event);
  const fb = await feedbackFor(event, endpoint, deps);
  const occurredAt = occurredAtOf(event) ?? fb?.receivedAt;
  const giveUp = (result: PostResult, webhookId?: string): DeliveryOutcome => ({
    outcome: 'give_up',
    attempt,
    result,
    ...(webhookId ? { webhookId } : {}),
  });
  // Not a contract this version knows: no retry makes it deliverable; the DLQ keeps it.
  if (key === undefined || occurredAt === undefined) {
    return giveUp({ error: `not a deliverable event (${String(event.type)} without its id or time)` });
  }

  let request: Request;
  let result: PostResult;
  try {
    request =
      ref.channel === 'slack'
        ? await slackRequest(event, deps)
        : await webhookRequest(event, key, occurredAt, endpoint as Webhook, fb, now, deps);
    result = await deps.http.post(
      request.url,
      request.body,
      request.headers,
      deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    );
  } catch (error) {
    // A secret that cannot be read or used: worth retrying (an operator may fix it within the window).
    request = { url: '', body: '', headers: {} };
    result = { error: `not sent: ${(error as Error).message}` };
  }
  const webhookId = request.webhookId ? { webhookId: request.webhookId } : {};
  const status = 'status' in result ? result.status : undefined;
  const outcome = outcomeOf(status);
  if (outcome === 'delivered') return { outcome, status: status as number, ...webhookId };
  if (outcome === 'gone') {
    await deps.states.disable(ref, {
      disabledAt: now.toISOString(),
      disabledBy: { status: 410, webhookId: request.webhookId ?? '', eventType: String(event.type) },
    });
    return { outcome: 'disabled', status: 410, ...webhookId };
  }
  if (delivery.deadLettered !== undefined) {
    // Redriven from the DLQ: its own window is long gone, so a bounded number of new tries.
    if (attempt >= REDRIVE_ATTEMPTS) return giveUp(result, request.webhookId);
    return { outcome: 'retry', retryInSeconds: retryDelaySeconds(attempt), attempt, result, ...webhookId };
  }
  const next = nextAttempt(attempt, occurredAt, now);
  if ('giveUp' in next) return giveUp(result, request.webhookId);
  return { outcome: 'retry', retryInSeconds: next.retryInSeconds, attempt, result, ...webhookId };
}

/**
 * The feedback behind the event, when the body needs it: a `feedback.received` describes it, and
 * an endpoint with personal data gets the customer of a case event too.
 */
async function feedbackFor(
  event: Record<string, unknown>,
  endpoint: Webhook | undefined,
  deps: WebhookDeps,
): Promise<Feedback | undefined> {
  const feedbackId = typeof event.feedbackId === 'string' ? event.feedbackId : undefined;
  if (feedbackId === undefined || endpoint === undefined) return undefined;
  if (event.type !== 'feedback.received' && !endpoint.includePersonalData) return undefined;
  return deps.feedback.get(feedbackId);
}

/** What a webhook's `data` adds from the stored feedback (stripped of personal data unless asked). */
function extraOf(event: Record<string, unknown>, fb: Feedback | undefined): Record<string, unknown> {
  if (fb === undefined) return {};
  const customer = fb.customer
    ? {
        ...(fb.customer.email ? { email: fb.customer.email } : {}),
        ...(fb.customer.name ? { name: fb.customer.name } : {}),
        ...(fb.customer.locale ? { locale: fb.customer.locale } : {}),
        ...(fb.customer.contactConsent !== undefined ? { contactConsent: fb.customer.contactConsent } : {}),
      }
    : undefined;
  if (event.type !== 'feedback.received') {
    return customer?.email || customer?.name
      ? { customer: { email: customer.email, name: customer.name } }
      : {};
  }
  return {
    siteId: fb.siteId,
    receivedAt: fb.receivedAt,
    touchpoint: fb.touchpoint,
    channel: fb.channel,
    ...(fb.rating ? { rating: fb.rating } : {}),
    reasons: fb.reasons ?? [],
    ...(fb.comment ? { comment: fb.comment } : {}),
    ...(fb.context ? { context: fb.context } : {}),
    ...(customer && Object.keys(customer).length > 0 ? { customer } : {}),
  };
}

async function webhookRequest(
  event: Record<string, unknown>,
  key: string,
  occurredAt: string,
  endpoint: Webhook,
  fb: Feedback | undefined,
  now: Date,
  deps: WebhookDeps,
): Promise<Request> {
  const webhookId = webhookIdOf(endpoint.id, String(event.type), key);
  const body = JSON.stringify(
    webhookBody(event, occurredAt, {
      includePersonalData: endpoint.includePersonalData,
      extra: extraOf(event, fb),
    }),
  );
  const secret = await deps.secretOf(endpoint.secretName);
  return {
    url: endpoint.url,
    body,
    headers: { 'content-type': 'application/json', ...signedHeaders(secret, webhookId, now, body) },
    webhookId,
  };
}

/** The three Standard Webhooks headers of `body`, signed at `at` (the attempt's time). */
export function signedHeaders(secret: string, webhookId: string, at: Date, body: string) {
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(secret).sign(webhookId, at, body),
  };
}

async function slackRequest(event: Record<string, unknown>, deps: WebhookDeps): Promise<Request> {
  const team = deps.teams.find((t) => t.id === event.teamId);
  const assignee = team?.members.find((m) => m.id === event.assigneeId);
  const message = slackMessage(event, {
    publicBaseUrl: deps.publicBaseUrl,
    ...(team ? { teamName: team.name } : {}),
    ...(assignee ? { assigneeName: assignee.name } : {}),
  });
  const url = await (deps.slackUrl as () => Promise<string>)();
  return { url, body: JSON.stringify(message), headers: { 'content-type': 'application/json' } };
}
