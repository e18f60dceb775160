import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { uncorrelate } from './observability.ts';

/**
 * The one way an SQS consumer handles its batch (ReportBatchItemFailures, Powertools'
 * `BatchProcessor`): records one after another, so two records of a batch never race; a record
 * that throws is reported alone and returns to the queue (then to its DLQ after maxReceiveCount),
 * the rest is deleted. A batch whose every record failed is answered with every id, like any other.
 */
export function queueBatchHandler(
  recordHandler: (record: SQSRecord) => Promise<unknown>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const handleRecord = (record: SQSRecord) => {
    uncorrelate(); // each record logs under its own ids
    return recordHandler(record);
  };
  return (event, context) =>
    // One processor per invocation: its state is per batch.
    processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      ...(context ? { context } : {}),
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
}
