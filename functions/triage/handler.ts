import type { SQSRecord } from 'aws-lambda';
import { type TriageDeps, triageFeedback } from '../../core/cases/triage.ts';
import { parseMessage } from '../../shared/events/contract.ts';
import { feedbackReceived } from '../../shared/events/feedback-received.ts';
import { correlate, countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { queueBatchHandler } from '../../shared/queue-batch.ts';

/** Parses a triage queue body as `feedback.received` v1; anything else is poison. */
export const parseTriageMessage = (body: string): string => parseMessage(body, feedbackReceived).feedbackId;

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
      correlate({ feedbackId });
      const result = await triageFeedback(feedbackId, deps);
      if (result.outcome === 'case_opened') {
        correlate({ caseId: result.caseId });
        countLoop(loopMetric.casesOpened);
      }
      logger.info('triaged', { ...log, ...result });
      return result;
    } catch (error) {
      logger.error('triage failed', { ...log, feedbackId, error: error as Error });
      throw error;
    }
  };
  return queueBatchHandler(recordHandler);
}
