import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../shared/adapters/dynamo.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const put = {
  Put: { TableName: 't', Item: { pk: 'A', sk: 'A' }, ConditionExpression: 'attribute_not_exists(pk)' },
};
const update = {
  Update: {
    TableName: 't',
    Key: { pk: 'B', sk: 'B' },
    UpdateExpression: 'SET x = :x',
    ExpressionAttributeValues: { ':x': 1 },
  },
};

describe('writeAtomically: one write billed once, several in one transaction', () => {
  afterEach(() => ddb.reset());

  it('writes a single item as its own conditional put, not a transaction (billed twice)', async () => {
    await writeAtomically(db, [put]);

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([put.Put]);
  });

  it('reports the single write’s failed condition as a transaction cancelled on that condition', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));

    const error = await writeAtomically(db, [put]).catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
    });
  });

  it('writes several items in one transaction, all or nothing', async () => {
    await writeAtomically(db, [put, update]);

    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems)).toEqual([
      [put, update],
    ]);
  });
});
