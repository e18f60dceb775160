import { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { queueSender } from '../../shared/adapters/messaging.ts';
import { dynamoNoticeLedger } from '../../shared/adapters/notice-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeNoticeReconcilerHandler } from './handler.ts';

// Lambda entry (EventBridge rule, every 5 minutes).
const env = requireEnv(['TABLE_NAME', 'STAFF_NOTICES_QUEUE_URL', 'CUSTOMER_NOTICES_QUEUE_URL']);
const sqs = new SQSClient({});
const queues = {
  staff: queueSender(sqs, env.STAFF_NOTICES_QUEUE_URL),
  customer: queueSender(sqs, env.CUSTOMER_NOTICES_QUEUE_URL),
};

export const handler = lambdaEntry(
  makeNoticeReconcilerHandler({
    ledger: dynamoNoticeLedger(documentClient(), env.TABLE_NAME),
    requeue: (notice, queue) => queues[queue](notice),
    clock: systemClock,
  }),
);
