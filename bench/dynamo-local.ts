/** The benches' own DynamoDB Local: one per bench, in memory, with the closeloop table shape. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localRegion, startDynamoLocal } from '../infra/local/peers.ts';
import { ensureTable } from '../infra/local/resources.ts';

export /** A fresh in-memory DynamoDB Local with the closeloop table shape, stopped afterwards. */
async function withDynamo<T>(tableName: string, run: (db: DynamoDBDocumentClient) => Promise<T>): Promise<T> {
  const peer = await startDynamoLocal({});
  const client = new DynamoDBClient({
    endpoint: peer.endpoint,
    region: localRegion,
    credentials: localCredentials,
    maxAttempts: 10,
  });
  try {
    await ensureTable(client, tableName);
    return await run(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    );
  } finally {
    client.destroy();
    await peer.stop();
  }
}
