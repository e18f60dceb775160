import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { feedbackKey } from '../repository/feedback-item.ts';

export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function isConditionFailure(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

type Item = Record<string, unknown>;

/**
 * Puts `item` unless an item with its key exists; answers whether it was written. Where a race or
 * a retried write can meet an earlier one, the first write stays (idempotent puts).
 */
export async function putIfAbsent(
  db: DynamoDBDocumentClient,
  tableName: string,
  item: { pk: string; sk: string },
): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** One item by its key, read consistently (what was just written is seen). */
export async function getConsistent(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; sk: string },
): Promise<Item | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Reads every page of a Query (no cap: callers query one bounded partition). */
export async function queryAll(
  db: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The customer's address and name from the feedback, when there is an address. */
export async function readContact(
  db: DynamoDBDocumentClient,
  tableName: string,
  feedbackId: string,
): Promise<{ email: string; name?: string } | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: feedbackKey(feedbackId),
      ProjectionExpression: 'customer',
      ConsistentRead: true,
    }),
  );
  const customer = Item?.customer as { email?: unknown; name?: unknown } | undefined;
  if (typeof customer?.email !== 'string') return undefined;
  return { email: customer.email, ...(typeof customer.name === 'string' ? { name: customer.name } : {}) };
}
