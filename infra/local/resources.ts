import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { dlqName, type QueueName, queues } from '../../shared/queues.ts';
import { table, tableIndexes } from '../../shared/table.ts';

interface IndexSpec {
  gsi: GlobalSecondaryIndex;
  attributes: { AttributeName: string; AttributeType: 'S' }[];
}

/** The table's global secondary indexes (shared/table.ts), as the stateful stack declares them. */
const indexes: IndexSpec[] = tableIndexes.map((index) => {
  const keys = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])];
  return {
    gsi: {
      IndexName: index.name,
      KeySchema: keys.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
      Projection: { ProjectionType: index.projection },
    },
    attributes: keys.map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
  };
});

/**
 * Creates the table as the stateful stack does (same keys, stream, TTL and indexes); returns its
 * stream ARN. A table persisted under `.closeloop/` by an older version gets missing indexes added.
 */
export async function ensureTable(db: DynamoDBClient, tableName: string): Promise<string> {
  try {
    const existing = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const arn = existing.Table?.LatestStreamArn;
    if (arn) {
      const present = new Set((existing.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      // One index per UpdateTable, as DynamoDB requires.
      for (const index of indexes)
        if (!present.has(index.gsi.IndexName)) await addIndex(db, tableName, index);
      return arn;
    }
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
        ...indexes.flatMap((i) => i.attributes),
      ],
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((i) => i.gsi),
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

/** UpdateTable adds the index and backfills it from the items; waits until it is ACTIVE. */
async function addIndex(db: DynamoDBClient, tableName: string, index: IndexSpec): Promise<void> {
  await db.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: index.attributes,
      GlobalSecondaryIndexUpdates: [{ Create: index.gsi }],
    }),
  );
  for (let i = 0; i < 600; i++) {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }));
    const found = Table?.GlobalSecondaryIndexes?.find((x) => x.IndexName === index.gsi.IndexName);
    if (found?.IndexStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${index.gsi.IndexName} index of table ${tableName} did not become ACTIVE`);
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
