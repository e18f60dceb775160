import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';

/** Structured JSON logs; correlation ids go in through `correlate`. */
export const logger = new Logger({ serviceName: 'closeloop' });

/** The loop's own figures: EMF metrics in the `Closeloop` namespace (alarms: docs/operations.md). */
export const loopMetric = {
  feedbackAccepted: 'FeedbackAccepted',
  casesOpened: 'CasesOpened',
  noticesSent: 'NoticesSent',
  noticesFailed: 'NoticesFailed',
  /** A notice whose second lease ran out with no send event: it may not have gone out (pages). */
  noticeLeasesFailed: 'NoticeLeasesFailed',
  outboxForwarded: 'OutboxForwarded',
  outboxFailed: 'OutboxFailed',
  /** Outbound webhook and Slack deliveries (docs/webhooks.md). */
  webhooksDelivered: 'WebhooksDelivered',
  webhooksFailed: 'WebhooksFailed',
  webhooksSkipped: 'WebhooksSkipped',
  /** Given up after 24 h (or unreadable): moved to the webhooks DLQ (pages through the DLQ alarm). */
  webhooksDeadLettered: 'WebhooksDeadLettered',
  /** An endpoint answered 410 Gone and is disabled (pages). */
  webhookEndpointsDisabled: 'WebhookEndpointsDisabled',
} as const;
export type LoopMetric = (typeof loopMetric)[keyof typeof loopMetric];

let sink: Metrics | undefined;

/**
 * The one Metrics instance, made on first use rather than at import, so a process that sets
 * `POWERTOOLS_METRICS_DISABLED` before its first request (the tests, the local stack) is heard.
 */
export function metrics(): Metrics {
  sink ??= new Metrics({ namespace: 'Closeloop', serviceName: 'closeloop' });
  return sink;
}

export function countLoop(metric: LoopMetric, n = 1): void {
  if (n > 0) metrics().addMetric(metric, MetricUnit.Count, n);
}

export interface CorrelationIds {
  feedbackId?: string | undefined;
  caseId?: string | undefined;
  noticeId?: string | undefined;
  eventId?: string | undefined;
  invitationId?: string | undefined;
}

/** Puts the ids on every log line until the next request or queue record. */
export function correlate(ids: CorrelationIds): void {
  const known = Object.entries(ids).filter(([, value]) => typeof value === 'string' && value !== '');
  if (known.length) logger.appendKeys(Object.fromEntries(known));
}

/** Forgets the ids of the record before (queue consumers handle several records per invocation). */
export function uncorrelate(): void {
  logger.resetKeys();
}

function flushMetrics(): void {
  // Only when something was counted: an empty flush logs a warning on every invocation.
  if (sink?.hasStoredMetrics()) sink.publishStoredMetrics();
}

/**
 * The one wrapper of a Lambda entry: the invocation's context on every log line, correlation ids
 * reset per invocation, and the metrics counted during it flushed at its end, failed or not.
 */
export function lambdaEntry<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
): MiddyfiedHandler<E, R> {
  return middy(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({ after: flushMetrics, onError: flushMetrics });
}
