import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { busPublisher, queueSender } from '../../shared/adapters/messaging.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeRelayHandler } from './handler.ts';

// Lambda entry: the table stream's event source mapping (outbox inserts only) invokes this.
const env = requireEnv(['NOTIFY_QUEUE_URL', 'EVENT_BUS_NAME']);

export const handler = lambdaEntry(
  makeRelayHandler({
    notify: queueSender(new SQSClient({}), env.NOTIFY_QUEUE_URL),
    publish: busPublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME),
  }),
);
