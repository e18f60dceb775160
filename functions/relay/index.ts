import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { busPublisher, queueSender } from '../../shared/adapters/messaging.ts';
import { dynamoOutboxMarks } from '../../shared/adapters/reconcile-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeRelayHandler } from './handler.ts';

// Lambda entry: the table stream's event source mapping (outbox inserts only) invokes this.
const env = requireEnv([
  'STAFF_NOTICES_QUEUE_URL',
  'CUSTOMER_NOTICES_QUEUE_URL',
  'EVENT_BUS_NAME',
  'TABLE_NAME',
]);
const sqs = new SQSClient({});

export const handler = lambdaEntry(
  makeRelayHandler({
    notifyStaff: queueSender(sqs, env.STAFF_NOTICES_QUEUE_URL),
    notifyCustomer: queueSender(sqs, env.CUSTOMER_NOTICES_QUEUE_URL),
    publish: busPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
    ...dynamoOutboxMarks(documentClient(), env.TABLE_NAME),
    clock: systemClock,
  }),
);
