/**
 * DynamoDB adapters of the weekly digest's ports (core/insights/digest.ts): the open cases of a
 * team from the cases-by-team index, and the digest's conditional outbox put.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type DigestCaseReader,
  type DigestOutbox,
  type OpenCaseFacts,
  openStatuses,
} from '../domain/digest-ports.ts';
import { caseTeamKey } from '../repository/case-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { table } from '../table.ts';
import { isConditionFailure } from './dynamo.ts';

export function dynamoDigestCases(db: DynamoDBDocumentClient, tableName: string): DigestCaseReader {
  const index = table.casesByTeamIndex;
  return {
    async openCases(teamId) {
      const values: Record<string, unknown> = { ':team': caseTeamKey(teamId) };
      const statusKeys = openStatuses.map((s, i) => {
        values[`:s${i}`] = s;
        return `:s${i}`;
      });
      const found: OpenCaseFacts[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.name,
            KeyConditionExpression: '#team = :team',
            FilterExpression: `#status IN (${statusKeys.join(', ')})`,
            ProjectionExpression: '#status, acknowledgeBy, resolveBy',
            ExpressionAttributeNames: { '#team': index.partitionKey, '#status': 'status' },
            ExpressionAttributeValues: values,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          found.push({
            status: item.status as OpenCaseFacts['status'],
            acknowledgeBy: String(item.acknowledgeBy ?? ''),
            resolveBy: String(item.resolveBy ?? ''),
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return found;
    },
  };
}

export function dynamoDigestOutbox(db: DynamoDBDocumentClient, tableName: string): DigestOutbox {
  return {
    async queue(entry, at) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: outboxItem(entry.id, entry.target, entry.message, at),
            // A rerun of the same week finds the item and writes nothing (the relay forwards inserts only).
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return 'queued';
      } catch (error) {
        if (isConditionFailure(error)) return 'exists';
        throw error;
      }
    },
  };
}
