import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { busPublisher, queueSender } from '../../shared/adapters/messaging.ts';
import { dynamoArrivalLedger, dynamoOutboxMarks } from '../../shared/adapters/reconcile-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeReconcilerHandler } from './handler.ts';

// Lambda entry of the hourly rule; an operator may also invoke it by hand (docs/operations.md).
const env = requireEnv([
  'TABLE_NAME',
  'TRIAGE_QUEUE_URL',
  'STAFF_NOTICES_QUEUE_URL',
  'CUSTOMER_NOTICES_QUEUE_URL',
  'EVENT_BUS_NAME',
]);
const db = documentClient();
const sqs = new SQSClient({});

export const handler = lambdaEntry(
  makeReconcilerHandler({
    ledger: dynamoArrivalLedger(db, env.TABLE_NAME),
    marks: dynamoOutboxMarks(db, env.TABLE_NAME),
    triage: queueSender(sqs, env.TRIAGE_QUEUE_URL),
    targets: {
      notifyStaff: queueSender(sqs, env.STAFF_NOTICES_QUEUE_URL),
      notifyCustomer: queueSender(sqs, env.CUSTOMER_NOTICES_QUEUE_URL),
      publish: busPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
    },
    clock: systemClock,
  }),
);
