import type { SQSRecord } from 'aws-lambda';
import { type DeliveryOutcome, deliver, type WebhookDeps } from '../../core/webhooks/deliver.ts';
import { PoisonMessage } from '../../shared/domain/errors.ts';
import { parseMessage } from '../../shared/events/contract.ts';
import { type WebhookDelivery, webhookDelivery } from '../../shared/events/webhook-delivery.ts';
import { correlate, countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { queueBatchHandler } from '../../shared/queue-batch.ts';

export interface WebhooksPorts extends WebhookDeps {
  /** Keeps the record away for `seconds` (its visibility timeout), then the queue hands it back. */
  retryLater(record: SQSRecord, seconds: number): Promise<void>;
  /** Puts a message body on the webhooks DLQ (sent before the record is deleted, so none is lost). */
  deadLetter(body: string): Promise<void>;
}

/** Thrown for a record to try again later: the batch reports it failed, its visibility is already set. */
class RetryLater extends Error {}

/**
 * SQS batch handler of the webhooks queue (ReportBatchItemFailures): each record is one event
 * for one destination (shared/events/webhook-delivery.ts). A failed attempt sets the record's
 * visibility to the backoff of its receive count and reports it failed; a delivery given up (24 h
 * after its event) or unreadable goes to the DLQ itself, so the queue's own maxReceiveCount is
 * only a backstop.
 */
export function makeWebhooksHandler(ports: WebhooksPorts) {
  return queueBatchHandler(async (record: SQSRecord) => {
    const attempt = Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
    const log = { messageId: record.messageId, attempt };
    let delivery: WebhookDelivery;
    try {
      delivery = parseMessage(record.body, webhookDelivery);
    } catch (error) {
      if (!(error instanceof PoisonMessage)) throw error;
      await ports.deadLetter(record.body);
      countLoop(loopMetric.webhooksDeadLettered);
      logger.error('webhook delivery unreadable; dead-lettered', { ...log, error });
      return;
    }
    const destination = delivery.channel === 'slack' ? 'slack' : `webhook:${delivery.endpointId}`;
    correlate({
      eventId: String(delivery.event.type),
      caseId: typeof delivery.event.caseId === 'string' ? delivery.event.caseId : undefined,
    });
    const outcome = await deliver(delivery, attempt, ports);
    const facts = { ...log, destination, eventType: delivery.event.type, ...flatten(outcome) };
    switch (outcome.outcome) {
      case 'delivered':
        countLoop(loopMetric.webhooksDelivered);
        logger.info('webhook delivered', facts);
        return;
      case 'skipped':
        countLoop(loopMetric.webhooksSkipped);
        logger.info('webhook skipped', facts);
        return;
      case 'disabled':
        countLoop(loopMetric.webhookEndpointsDisabled);
        logger.warn('endpoint answered 410 Gone: disabled, its deliveries are dropped from now on', facts);
        return;
      case 'retry':
        countLoop(loopMetric.webhooksFailed);
        logger.warn('webhook attempt failed; retried later', facts);
        await ports.retryLater(record, outcome.retryInSeconds);
        throw new RetryLater(
          `${destination}: attempt ${attempt} failed; next in ${outcome.retryInSeconds} s`,
        );
      case 'give_up': {
        countLoop(loopMetric.webhooksFailed);
        const reason = 'status' in outcome.result ? `HTTP ${outcome.result.status}` : outcome.result.error;
        const copy: WebhookDelivery = {
          ...delivery,
          deadLettered: { at: ports.clock.now().toISOString(), attempts: attempt, reason },
        };
        await ports.deadLetter(JSON.stringify(copy));
        countLoop(loopMetric.webhooksDeadLettered);
        logger.error('webhook given up; dead-lettered', facts);
        return;
      }
    }
  });
}

function flatten(outcome: DeliveryOutcome): Record<string, unknown> {
  const { result, ...rest } = outcome as DeliveryOutcome & { result?: Record<string, unknown> };
  return { ...rest, ...(result ?? {}) };
}
