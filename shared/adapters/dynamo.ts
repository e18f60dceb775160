import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { feedbackKey } from '../repository/feedback-item.ts';
import { table } from '../table.ts';

export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function isConditionFailure(error: unknown): error is Error & { Item?: Record<string, unknown> } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Whether a single write's condition failed, or a transaction was cancelled for one of its conditions. */
export const cancelledByCondition = (error: unknown) =>
  isConditionFailure(error) ||
  (error instanceof Error &&
    error.name === 'TransactionCanceledException' &&
    ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some(
      (r) => r.Code === 'ConditionalCheckFailed',
    ));

/**
 * Awaits a conditional write; answers whether its condition held. A failed condition is an
 * answer (someone else got there first, or the state moved on), any other error is thrown.
 */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A conditional update; answers whether its condition held (see `conditionHeld`). */
export function updateIf(db: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<boolean> {
  return conditionHeld(db.send(new UpdateCommand(input)));
}

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Writes `items` all or nothing. Several go in one TransactWriteItems; a single one goes as its own
 * conditional Put, Update or Delete, which DynamoDB bills once where a transaction bills twice. A
 * failed condition of that single write is thrown as a cancelled transaction with one
 * `ConditionalCheckFailed` reason, so a caller reads both outcomes the same way.
 */
export async function writeAtomically(db: DynamoDBDocumentClient, items: TransactItem[]): Promise<void> {
  const [only] = items;
  if (items.length !== 1 || only === undefined || only.ConditionCheck) {
    await db.send(new TransactWriteCommand({ TransactItems: items }));
    return;
  }
  try {
    if (only.Put) await db.send(new PutCommand(only.Put));
    else if (only.Update) await db.send(new UpdateCommand(only.Update));
    else if (only.Delete) await db.send(new DeleteCommand(only.Delete));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw Object.assign(new Error(error.message), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
    });
  }
}

/**
 * Puts `item` unless an item with its key exists; answers whether it was written. Where a race or
 * a retried write can meet an earlier one, the first write stays (idempotent puts).
 */
export function putIfAbsent(
  db: DynamoDBDocumentClient,
  tableName: string,
  item: { pk: string; sk: string },
): Promise<boolean> {
  return conditionHeld(
    db.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
  );
}

export interface UpdateParts {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * `SET #a = :a, …` for each defined field of `set`, then `REMOVE #r, …`, every name aliased (so
 * reserved words such as `status` are safe). Callers add their condition's names and values.
 */
export function updateExpression(set: Record<string, unknown>, remove: readonly string[] = []): UpdateParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [field, value] of Object.entries(set)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  for (const field of remove) names[`#${field}`] = field;
  const clauses = [
    sets.length ? `SET ${sets.join(', ')}` : '',
    remove.length ? `REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : '',
  ];
  return {
    UpdateExpression: clauses.filter(Boolean).join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export interface Page {
  items: Item[];
  count: number;
  scannedCount: number;
  /** Where the next page starts; absent on the last page. */
  lastKey?: Item;
}

export interface PageLimits {
  /** Go on from here (a cursor's key). */
  startKey?: Item;
  /** Stop once this many items came back; each read asks for no more than are still wanted. */
  limit?: number;
  /** Stop after this many reads, whatever came back (bounds the cost of sparse filters). */
  maxReads?: number;
}

/** The pages of a Query, read one after another (the one pagination loop for queries). */
export function queryPages(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limits: PageLimits = {},
): AsyncGenerator<Page> {
  return pagesOf(
    (start, want) =>
      db.send(
        new QueryCommand({
          ...input,
          ...(want === undefined ? {} : { Limit: want }),
          ExclusiveStartKey: start,
        }),
      ),
    limits,
  );
}

/** The pages of a Scan (the local stack's listings only: the functions read by key and index). */
export function scanPages(db: DynamoDBDocumentClient, input: ScanCommandInput): AsyncGenerator<Page> {
  return pagesOf((start) => db.send(new ScanCommand({ ...input, ExclusiveStartKey: start })), {});
}

async function* pagesOf(
  read: (start: Item | undefined, want: number | undefined) => Promise<Omit<QueryCommandOutput, '$metadata'>>,
  { startKey, limit, maxReads = Number.POSITIVE_INFINITY }: PageLimits,
): AsyncGenerator<Page> {
  let start = startKey;
  let seen = 0;
  let reads = 0;
  do {
    const page = await read(start, limit === undefined ? undefined : limit - seen);
    reads += 1;
    const items = page.Items ?? [];
    seen += items.length;
    start = page.LastEvaluatedKey;
    yield {
      items,
      count: page.Count ?? 0,
      scannedCount: page.ScannedCount ?? 0,
      ...(start ? { lastKey: start } : {}),
    };
  } while (start && (limit === undefined || seen < limit) && reads < maxReads);
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

/** Every item of a Query (no cap: callers query one bounded partition). */
export async function queryAll(db: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of queryPages(db, input)) items.push(...page.items);
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

/**
 * The items of `keys` that exist (eventually consistent), 100 keys per BatchGetItem, retrying
 * the keys DynamoDB left unprocessed (it does under throttling) until none are left.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly { pk: string; sk: string }[],
  attributes?: readonly string[],
): Promise<Item[]> {
  const projection = attributes
    ? {
        ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
      }
    : {};
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] | undefined = keys.slice(i, i + 100);
    while (pending?.length) {
      const page = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...projection } } }),
      );
      found.push(...(page.Responses?.[tableName] ?? []));
      pending = page.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined;
    }
  }
  return found;
}

/** Deletes every key, 25 per BatchWriteItem, retrying what DynamoDB left unprocessed. */
export async function deleteKeys(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly { pk: string; sk: string }[],
): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    const requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    let unprocessed: typeof requests | undefined = requests;
    while (unprocessed && unprocessed.length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: unprocessed } }));
      unprocessed = out.UnprocessedItems?.[tableName] as typeof requests | undefined;
    }
  }
}

/** The keys of every item the erasure index holds for one address hash (feedback, events, invitations). */
export function customerIndexKeys(
  db: DynamoDBDocumentClient,
  tableName: string,
  customerHash: string,
): Promise<Item[]> {
  const index = table.customerIndex;
  return queryAll(db, {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: '#hash = :hash',
    ExpressionAttributeNames: { '#hash': index.partitionKey },
    ExpressionAttributeValues: { ':hash': customerHash },
  });
}

/** The pages of one shard of the `timers` index due by `dueBy` (cases, leases and invitations alike). */
export function dueTimerPages(db: DynamoDBDocumentClient, tableName: string, shard: string, dueBy: string) {
  const { name, partitionKey, sortKey } = table.timersIndex;
  return queryPages(db, {
    TableName: tableName,
    IndexName: name,
    KeyConditionExpression: '#shard = :shard AND #due <= :now',
    ExpressionAttributeNames: { '#shard': partitionKey, '#due': sortKey },
    ExpressionAttributeValues: { ':shard': shard, ':now': dueBy },
  });
}
