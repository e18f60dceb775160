import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { fetchPoster } from '../../shared/adapters/http-poster.ts';
import { cachedSecret, type SecretSource } from '../../shared/adapters/secrets.ts';
import { dynamoFeedbackReader } from '../../shared/adapters/triage-store.ts';
import { dynamoEndpointStates } from '../../shared/adapters/webhook-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeWebhooksHandler } from './handler.ts';

// Lambda entry (webhooks queue event source): env and config are read once, at cold start; each
// endpoint's signing secret (and Slack's URL) on first use, then kept 5 minutes.
const env = requireEnv(['TABLE_NAME', 'WEBHOOKS_QUEUE_URL', 'WEBHOOKS_DLQ_URL', 'PUBLIC_BASE_URL']);
const config = bakedConfig();
const db = documentClient();
const sqs = new SQSClient({});
const secrets = new Map<string, SecretSource>();
const secretOf = (name: string) => {
  let source = secrets.get(name);
  if (!source) {
    source = cachedSecret(name, { clock: systemClock });
    secrets.set(name, source);
  }
  return source();
};
const slack = config.slack;

export const handler = lambdaEntry(
  makeWebhooksHandler({
    webhooks: config.webhooks,
    slackUrl: slack ? () => secretOf(slack.webhookSecretName) : undefined,
    secretOf,
    states: dynamoEndpointStates(db, env.TABLE_NAME),
    feedback: dynamoFeedbackReader(db, env.TABLE_NAME),
    http: fetchPoster(),
    clock: systemClock,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    teams: config.teams,
    retryLater: async (record, seconds) => {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: env.WEBHOOKS_QUEUE_URL,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    deadLetter: async (body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: env.WEBHOOKS_DLQ_URL, MessageBody: body }));
    },
  }),
);
