/**
 * The local stack's webhook receiver (docs/local.md#in-process-stand-ins): the one endpoint `npm start`
 * configures, for every event, so a delivery can be seen and its signature checked without
 * anything leaving the machine. It keeps each POST as received (headers and the raw body, which
 * is what the signature covers), and can be told to fail the next ones to show retries and 410.
 */
import { randomBytes } from 'node:crypto';
import type { Webhook } from '../../shared/config/schema.ts';
import { WEBHOOK_EVENT_TYPES } from '../../shared/domain/webhooks.ts';
import { type HttpEvent, json } from '../../shared/http.ts';
import type { Route } from './http-server.ts';

export const SINK_PATH = '/__local/webhook-sink';
export const SINK_ENDPOINT_ID = 'local-sink';

export interface SinkDelivery {
  /** The virtual clock's time it arrived. */
  at: string;
  /** What the sink answered. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The sink's endpoint; its URL is set once the server listens (its port is known only then). */
export function sinkEndpoint(): Webhook {
  return {
    id: SINK_ENDPOINT_ID,
    url: `http://127.0.0.1${SINK_PATH}`,
    events: [...WEBHOOK_EVENT_TYPES],
    secretName: `closeloop-local/webhooks/${SINK_ENDPOINT_ID}`,
    includePersonalData: false,
  };
}

export class WebhookSink {
  readonly deliveries: SinkDelivery[] = [];
  #failures: { status: number; left: number; type?: string } | undefined;

  constructor(private readonly now: () => Date) {}

  /**
   * The next `times` deliveries (of event `type` only, when given: one event's retries can then
   * be followed while others arrive) are answered `status` (500, 410 …), then 204 again.
   */
  failNext(status: number, times: number, type?: string): void {
    this.#failures = times > 0 ? { status, left: times, ...(type ? { type } : {}) } : undefined;
  }

  receive(event: HttpEvent): number {
    const body =
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    let status = 204;
    if (this.#failures && (!this.#failures.type || typeOf(body) === this.#failures.type)) {
      status = this.#failures.status;
      this.#failures.left -= 1;
      if (this.#failures.left <= 0) this.#failures = undefined;
    }
    this.deliveries.push({
      at: this.now().toISOString(),
      status,
      headers: Object.fromEntries(
        Object.entries(event.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      body,
    });
    return status;
  }

  clear(): void {
    this.deliveries.length = 0;
    this.#failures = undefined;
  }
}

/**
 * `POST /__local/webhook-sink` (what the endpoint receives), `GET` (every delivery, newest last),
 * `DELETE` (forget them), `POST /__local/webhook-sink/fail` with `{ status, times, type? }`, and
 * `GET /__local/webhooks` (each endpoint with its secret, to verify signatures with).
 */
export function webhookSinkRoutes(
  sink: WebhookSink,
  endpoints: () => { id: string; url: string; events: readonly string[]; secret: string }[],
): Route[] {
  return [
    {
      method: 'POST',
      path: SINK_PATH,
      handler: async (event) => {
        const status = sink.receive(event);
        return { statusCode: status, headers: {}, body: '' };
      },
    },
    { method: 'GET', path: SINK_PATH, handler: async () => json(200, sink.deliveries) },
    {
      method: 'DELETE',
      path: SINK_PATH,
      handler: async () => {
        sink.clear();
        return { statusCode: 204, headers: {}, body: '' };
      },
    },
    {
      method: 'POST',
      path: `${SINK_PATH}/fail`,
      handler: async (event) => {
        const parsed = parseFail(event.body);
        if (typeof parsed === 'string') return json(400, { error: 'validation_failed', message: parsed });
        sink.failNext(parsed.status, parsed.times, parsed.type);
        return json(200, parsed);
      },
    },
    { method: 'GET', path: '/__local/webhooks', handler: async () => json(200, endpoints()) },
  ];
}

const typeOf = (body: string): unknown => {
  try {
    return (JSON.parse(body) as { type?: unknown }).type;
  } catch {
    return undefined;
  }
};

function parseFail(body: string | undefined): { status: number; times: number; type?: string } | string {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return 'body must be JSON: { "status": 500, "times": 1 }';
  }
  const { status, times = 1, type } = (value ?? {}) as { status?: unknown; times?: unknown; type?: unknown };
  if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
    return 'status must be an HTTP status code (200 to 599)';
  }
  if (!Number.isInteger(times) || (times as number) < 0 || (times as number) > 1000) {
    return 'times must be an integer from 0 to 1000';
  }
  if (type !== undefined && !(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(type)) {
    return `type must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`;
  }
  return { status: status as number, times: times as number, ...(type ? { type: type as string } : {}) };
}
