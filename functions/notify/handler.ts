import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { SecretSource } from '../../shared/adapters/secrets.ts';
import { type NoticeRequested, noticeRequested } from '../../shared/events/notice-requested.ts';
import { logger } from '../../shared/observability.ts';
import { type DeliverDeps, deliverNotice } from './deliver.ts';

/** The link secret is fetched (and cached) by the handler, once per batch. */
export type NotifyDeps = Omit<DeliverDeps, 'linkSecret'> & { linkSecret: SecretSource };

/** The message is not a notice.requested this function can read: it fails alone, then dead-letters. */
export class PoisonNotice extends Error {
  override readonly name = 'PoisonNotice';
}

export function parseNotice(body: string): NoticeRequested {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonNotice('body is not JSON');
  }
  const parsed = noticeRequested.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new PoisonNotice(`not a ${noticeRequested.name} v${noticeRequested.version}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/**
 * The notify queue's consumer (SQS event source with ReportBatchItemFailures). Each record is
 * handled on its own: a failing one (poison, SES throttling) is reported and retried by SQS with
 * its visibility timeout, then dead-lettered after maxReceiveCount; the others are deleted.
 */
export function makeNotifyHandler(deps: NotifyDeps) {
  return async function notify(event: SQSEvent): Promise<SQSBatchResponse> {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    let deliverDeps: DeliverDeps;
    try {
      deliverDeps = { ...deps, linkSecret: await deps.linkSecret() };
    } catch (error) {
      // Without the secret no link can be signed: every record goes back to the queue.
      logger.error('link secret unavailable; the batch will be retried', { error: error as Error });
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    }
    for (const record of event.Records) {
      try {
        await handleRecord(record, deliverDeps);
      } catch (error) {
        logger.warn('notice will be retried', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: error as Error,
        });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function handleRecord(record: SQSRecord, deps: DeliverDeps): Promise<void> {
  const notice = parseNotice(record.body);
  const results = await deliverNotice(notice, deps);
  logger.info('notice handled', { noticeId: notice.noticeId, kind: notice.kind, results });
}
