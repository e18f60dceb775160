import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { dlqName, type QueueName, queues } from '../../shared/queues.ts';
import { table } from '../../shared/table.ts';

/** Creates the table as the stateful stack does (same keys, stream and TTL); returns its stream ARN. */
export async function ensureTable(db: DynamoDBClient, tableName: string): Promise<string> {
  try {
    const existing = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = existing.Table?.LatestStreamArn;
    if (arn) return arn;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const created = await db.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: table.partitionKey, AttributeType: 'S' },
        { AttributeName: table.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamView },
    }),
  );
  await db.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
    }),
  );
  const arn = created.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error('DynamoDB Local created the table without a stream');
  return arn;
}

export type QueueUrls = Record<QueueName, { url: string; dlqUrl: string }>;

/** Each queue with its DLQ and redrive policy, as in the stateful stack. */
export async function ensureQueues(sqs: SQSClient): Promise<QueueUrls> {
  const entries = await Promise.all(
    Object.entries(queues).map(async ([key, spec]) => {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: dlqName(spec.name) }));
      const dlqArn = (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn;
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: spec.name,
          Attributes: {
            VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlqArn,
              maxReceiveCount: spec.maxReceiveCount,
            }),
          },
        }),
      );
      return [key, { url: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! }] as const;
    }),
  );
  return Object.fromEntries(entries) as QueueUrls;
}
