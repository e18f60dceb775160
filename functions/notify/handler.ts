import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type DeliverDeps, deliverNotice } from '../../core/notices/deliver.ts';
import type { SecretSource } from '../../shared/adapters/secrets.ts';
import { parseMessage } from '../../shared/events/contract.ts';
import { type NoticeRequested, noticeRequested } from '../../shared/events/notice-requested.ts';
import { correlate, logger } from '../../shared/observability.ts';
import { queueBatchHandler } from '../../shared/queue-batch.ts';

/** The link secret is fetched (and cached) by the handler, once per batch. */
export type NotifyDeps = Omit<DeliverDeps, 'linkSecret'> & { linkSecret: SecretSource };

export const parseNotice = (body: string): NoticeRequested => parseMessage(body, noticeRequested);

/**
 * The notify queue's consumer (SQS event source with ReportBatchItemFailures). Each record is
 * handled on its own: a failing one (poison, SES throttling) is reported and retried by SQS with
 * its visibility timeout, then dead-lettered after maxReceiveCount; the others are deleted.
 */
export function makeNotifyHandler(deps: NotifyDeps) {
  return async function notify(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    let deliverDeps: DeliverDeps;
    try {
      deliverDeps = { ...deps, linkSecret: await deps.linkSecret() };
    } catch (error) {
      // Without the secret no link can be signed: every record goes back to the queue.
      logger.error('link secret unavailable; the batch will be retried', { error: error as Error });
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    return queueBatchHandler((record) => handleRecord(record, deliverDeps))(event, context);
  };
}

async function handleRecord(record: SQSRecord, deps: DeliverDeps): Promise<void> {
  try {
    const notice = parseNotice(record.body);
    correlate({ noticeId: notice.noticeId, caseId: notice.caseId });
    const results = await deliverNotice(notice, deps);
    logger.info('notice handled', { noticeId: notice.noticeId, kind: notice.kind, results });
  } catch (error) {
    logger.warn('notice will be retried', {
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
      error: error as Error,
    });
    throw error;
  }
}
