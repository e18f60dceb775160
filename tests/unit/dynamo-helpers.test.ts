import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { conditionHeld, queryPages, updateExpression } from '../../shared/adapters/dynamo.ts';

describe('updateExpression', () => {
  it('sets each defined field and removes the named ones, every name aliased', () => {
    expect(updateExpression({ status: 'open', owner: undefined, version: 2 }, ['dueAt'])).toEqual({
      UpdateExpression: 'SET #status = :status, #version = :version REMOVE #dueAt',
      ExpressionAttributeNames: { '#status': 'status', '#version': 'version', '#dueAt': 'dueAt' },
      ExpressionAttributeValues: { ':status': 'open', ':version': 2 },
    });
  });

  it('writes no empty SET clause when only removing', () => {
    expect(updateExpression({}, ['a']).UpdateExpression).toBe('REMOVE #a');
  });
});

describe('conditionHeld', () => {
  it('answers false for a failed condition and rethrows anything else', async () => {
    const failed = new ConditionalCheckFailedException({ message: 'no', $metadata: {} });
    await expect(conditionHeld(Promise.resolve())).resolves.toBe(true);
    await expect(conditionHeld(Promise.reject(failed))).resolves.toBe(false);
    await expect(conditionHeld(Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
  });
});

describe('queryPages', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  beforeEach(() => ddb.reset());

  it('asks each read for no more than are still wanted and stops at the limit with the key to go on', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ n: 1 }, { n: 2 }], LastEvaluatedKey: { k: 'a' } })
      .resolvesOnce({ Items: [{ n: 3 }], LastEvaluatedKey: { k: 'b' } });
    const pages = [];
    for await (const page of queryPages(db, { TableName: 't' }, { limit: 3 })) pages.push(page);
    expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.Limit)).toEqual([3, 1]);
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ k: 'a' });
    expect(pages.at(-1)?.lastKey).toEqual({ k: 'b' });
  });

  it('stops after maxReads even when pages come back empty', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { k: 'x' } });
    let reads = 0;
    for await (const _ of queryPages(db, { TableName: 't' }, { limit: 10, maxReads: 4 })) reads += 1;
    expect(reads).toBe(4);
  });
});
