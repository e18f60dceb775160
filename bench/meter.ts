/**
 * Counts what the code under bench asks of AWS, at the SDK clients (middleware, like the fault
 * injectors of tests/support/faults.ts): DynamoDB read and write units, writes per item key, SQS
 * requests, stream reads, SES sends. bench/cost.ts prices them (bench/prices.ts), bench/scale.ts
 * reads the hottest key.
 *
 * Single reads and writes take the units DynamoDB Local reports (`ReturnConsumedCapacity: TOTAL`,
 * indexes included). For TransactWriteItems it reports a flat 4 whatever the items, so those are
 * sized here as DynamoDB bills them: 2 units per KB of each item (an update or delete sized by the
 * item as read back after the write), plus the index writes (1 per KB of an `ALL` index's copy, 1
 * for a keys-only index whose key the write sets).
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { tableIndexes } from '../shared/table.ts';
import type { WithMiddleware } from '../tests/support/faults.ts';

type Value = unknown;
const text = (v: Value): string =>
  typeof v === 'object' && v !== null && 'S' in v ? String((v as { S: unknown }).S) : String(v);
const keyOf = (item: Record<string, Value> | undefined) => (item ? `${text(item.pk)} ${text(item.sk)}` : '');

const readCommands = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);

interface Capacity {
  CapacityUnits?: number;
}

interface AttributeValue {
  S?: string;
  N?: string;
  B?: Uint8Array;
  BOOL?: boolean;
  NULL?: boolean;
  M?: Record<string, AttributeValue>;
  L?: AttributeValue[];
  SS?: string[];
  NS?: string[];
}

/** DynamoDB's size of a value: UTF-8 bytes of strings, about a byte per two digits of numbers, 3 bytes per map or list plus its contents. */
function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\./g, '').length / 2) + 1;
  if (v.B !== undefined) return v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.M)
    return 3 + Object.entries(v.M).reduce((sum, [k, x]) => sum + Buffer.byteLength(k) + valueBytes(x) + 1, 0);
  if (v.L) return 3 + v.L.reduce((sum, x) => sum + valueBytes(x) + 1, 0);
  return [...(v.SS ?? []), ...(v.NS ?? [])].reduce((sum, x) => sum + Buffer.byteLength(x), 0);
}

export function itemBytes(item: Record<string, unknown>): number {
  const attributes = marshall(item, {
    removeUndefinedValues: true,
    convertClassInstanceToMap: true,
  }) as Record<string, AttributeValue>;
  return Object.entries(attributes).reduce(
    (sum, [name, v]) => sum + Buffer.byteLength(name) + valueBytes(v),
    0,
  );
}

const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** Index writes of one item write: an `ALL` index copies the item, a keys-only one only its keys. */
function indexUnits(item: Record<string, unknown> | undefined, updateExpression?: string): number {
  if (item === undefined) return 0;
  return tableIndexes.reduce((sum, index) => {
    if (!(index.partitionKey in item)) return sum;
    if (index.projection === 'ALL') return sum + kb(itemBytes(item));
    const setsKey =
      updateExpression === undefined ||
      updateExpression.includes(index.partitionKey) ||
      (index.sortKey !== undefined && updateExpression.includes(index.sortKey));
    return sum + (setsKey ? 1 : 0);
  }, 0);
}

/** Item keys one write request names (a transaction names each of its writes). */
function writtenKeys(command: string, input: Record<string, Value>): string[] {
  switch (command) {
    case 'PutItemCommand':
      return [keyOf(input.Item as Record<string, Value>)];
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [keyOf(input.Key as Record<string, Value>)];
    case 'TransactWriteItemsCommand':
      return ((input.TransactItems ?? []) as Record<string, { Item?: never; Key?: never }>[]).flatMap((t) =>
        t.Put
          ? [keyOf(t.Put.Item)]
          : t.Update
            ? [keyOf(t.Update.Key)]
            : t.Delete
              ? [keyOf(t.Delete.Key)]
              : [],
      );
    case 'BatchWriteItemCommand':
      return Object.values(
        (input.RequestItems ?? {}) as Record<string, Record<string, { Item?: never; Key?: never }>[]>,
      )
        .flat()
        .map((r) => keyOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
    default:
      return [];
  }
}

export class UsageMeter {
  readonly dynamo = { requests: 0, readUnits: 0, writeUnits: 0, transactions: 0, failedConditions: 0 };
  readonly writesPerKey = new Map<string, number>();
  /** Write units by command and the entity of its first item (`TransactWriteItems FEEDBACK`…). */
  readonly writeUnitsBy: Record<string, number> = {};
  /** Failed conditions by command and the entity of the first key written (where the waste is). */
  readonly failedConditionsBy: Record<string, number> = {};
  /** SQS requests by command, empty receives (polling, a fixed cost) apart. */
  readonly sqs: Record<string, number> = {};
  /** Messages received per queue URL in non-empty receives: each such receive is one function invocation. */
  readonly batchesPerQueue: Record<string, number> = {};
  readonly messagesPerQueue: Record<string, number> = {};
  readonly stream = { getRecords: 0, feedbackRecords: 0, outboxRecords: 0, batchesWithOutbox: 0 };
  sesSends = 0;

  /** Units of a committed transaction, its updated items read back through `reader` (not metered). */
  async #transactionUnits(input: Record<string, Value>, reader: DynamoDBDocumentClient): Promise<number> {
    let units = 0;
    type Write = {
      TableName?: string;
      Item?: Record<string, unknown>;
      Key?: Record<string, unknown>;
      UpdateExpression?: string;
    };
    for (const t of (input.TransactItems ?? []) as Record<string, Write | undefined>[]) {
      if (t.Put?.Item) {
        units += 2 * kb(itemBytes(t.Put.Item)) + indexUnits(t.Put.Item);
      } else if (t.Update?.Key || t.Delete?.Key) {
        const w = (t.Update ?? t.Delete)!;
        const { Item } = await reader.send(
          new GetCommand({ TableName: w.TableName, Key: w.Key, ConsistentRead: true }),
        );
        units +=
          2 * kb(Item ? itemBytes(Item) : 0) + (t.Update ? indexUnits(Item, w.UpdateExpression ?? '') : 0);
      } else {
        units += 2; // a ConditionCheck is billed as a transactional write of its item's first KB
      }
    }
    return units;
  }

  attachDynamo(client: WithMiddleware, reader: DynamoDBDocumentClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        args.input.ReturnConsumedCapacity = 'TOTAL';
        this.dynamo.requests++;
        for (const key of writtenKeys(command, args.input)) {
          this.writesPerKey.set(key, (this.writesPerKey.get(key) ?? 0) + 1);
        }
        if (command === 'TransactWriteItemsCommand') this.dynamo.transactions++;
        try {
          const result = await next(args);
          const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
          const units =
            command === 'TransactWriteItemsCommand'
              ? await this.#transactionUnits(args.input, reader)
              : [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
          if (readCommands.has(command)) this.dynamo.readUnits += units;
          else this.#addWrite(command, args.input, units);
          return result;
        } catch (error) {
          // A failed condition is billed like the write (DynamoDB Local reports no capacity for it):
          // counted at the 1 KB minimum per item, doubled in a transaction.
          const name = (error as Error).name;
          if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') {
            this.dynamo.failedConditions++;
            const by = `${command.replace(/Command$/, '')} ${writtenKeys(command, args.input)[0]?.split('#')[0] ?? ''}`;
            this.failedConditionsBy[by] = (this.failedConditionsBy[by] ?? 0) + 1;
            const items = writtenKeys(command, args.input).length;
            this.#addWrite(command, args.input, command === 'TransactWriteItemsCommand' ? 2 * items : items);
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'bench-usage-meter', priority: 'low' },
    );
  }

  #addWrite(command: string, input: Record<string, Value>, units: number) {
    this.dynamo.writeUnits += units;
    const entity = writtenKeys(command, input)[0]?.split('#')[0] ?? '';
    const by = `${command.replace(/Command$/, '')} ${entity}`;
    this.writeUnitsBy[by] = (this.writeUnitsBy[by] ?? 0) + units;
  }

  attachSqs(client: WithMiddleware): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? '';
        const result = await next(args);
        const received = (result.output as { Messages?: unknown[] }).Messages?.length ?? 0;
        const name = command === 'ReceiveMessageCommand' && received === 0 ? 'EmptyReceive' : command;
        this.sqs[name] = (this.sqs[name] ?? 0) + 1;
        if (received > 0) {
          const url = String(args.input.QueueUrl);
          this.batchesPerQueue[url] = (this.batchesPerQueue[url] ?? 0) + 1;
          this.messagesPerQueue[url] = (this.messagesPerQueue[url] ?? 0) + received;
        }
        return result;
      },
      { step: 'initialize', name: 'bench-usage-meter', priority: 'low' },
    );
  }

  attachStreams(client: WithMiddleware): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName !== 'GetRecordsCommand') return result;
        const records = (
          result.output as { Records?: { dynamodb?: { NewImage?: { type?: { S?: string } } } }[] }
        ).Records;
        if (!records?.length) return result;
        this.stream.getRecords++;
        const types = records.map((r) => r.dynamodb?.NewImage?.type?.S);
        this.stream.feedbackRecords += types.filter((t) => t === 'feedback').length;
        const outbox = types.filter((t) => t === 'outbox').length;
        this.stream.outboxRecords += outbox;
        if (outbox > 0) this.stream.batchesWithOutbox++;
        return result;
      },
      { step: 'initialize', name: 'bench-usage-meter', priority: 'low' },
    );
  }

  attachSes(client: WithMiddleware): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendEmailCommand') this.sesSends++;
        return next(args);
      },
      { step: 'initialize', name: 'bench-usage-meter', priority: 'low' },
    );
  }

  /** The key with the most write requests, and how many. */
  hottest(): { key: string; writes: number } {
    let best = { key: '', writes: 0 };
    for (const [key, writes] of this.writesPerKey) if (writes > best.writes) best = { key, writes };
    return best;
  }
}

/**
 * Runs `work` with process.stdout and stderr (or only `streams`) counted and kept quiet: what the
 * functions log (Powertools logs and EMF metrics) is what CloudWatch Logs would ingest.
 */
export async function countingLogs<T>(
  work: () => Promise<T>,
  streams: NodeJS.WriteStream[] = [process.stdout, process.stderr],
): Promise<{ result: T; logBytes: number }> {
  let logBytes = 0;
  const writes = streams.map((s) => s.write);
  for (const s of streams) {
    s.write = ((chunk: string | Uint8Array) => {
      logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      return true;
    }) as typeof s.write;
  }
  try {
    return { result: await work(), logBytes };
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i]!;
    });
  }
}
