import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DomainError } from '../../shared/domain/errors.ts';
import { feedbackReceived } from '../../shared/events/feedback-received.ts';
import { logger } from '../../shared/observability.ts';
import { type TriageDeps, triageFeedback } from './triage.ts';

/** The message cannot be triaged however often it is retried: it goes to the DLQ. */
export class PoisonMessage extends DomainError {}

/** Parses a triage queue body as `feedback.received` v1; anything else is poison. */
export function parseTriageMessage(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonMessage('body is not JSON');
  }
  const parsed = feedbackReceived.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new PoisonMessage(
      `not a ${feedbackReceived.name} v${feedbackReceived.version}: ${issues.join('; ')}`,
    );
  }
  return parsed.data.feedbackId;
}

/**
 * SQS batch handler of the triage queue (ReportBatchItemFailures): each record is triaged on its
 * own; a record that throws is reported in `batchItemFailures` and only it returns to the queue
 * (and, after `maxReceiveCount` tries, to the DLQ), while the rest of the batch is deleted.
 * Records run one after another, so two records of one batch never race for a team's cursor.
 */
export function makeTriageHandler(deps: TriageDeps) {
  const recordHandler = async (record: SQSRecord) => {
    const log = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount };
    let feedbackId: string | undefined;
    try {
      feedbackId = parseTriageMessage(record.body);
      const result = await triageFeedback(feedbackId, deps);
      logger.info('triaged', { ...log, ...result });
      return result;
    } catch (error) {
      logger.error('triage failed', { ...log, feedbackId, error: error as Error });
      throw error;
    }
  };
  return async function triage(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    // One processor per invocation: its state is per batch.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, recordHandler, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
      // A batch whose every record failed is answered with every id, like any other failure.
      throwOnFullBatchFailure: false,
    });
  };
}
