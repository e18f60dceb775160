/**
 * DynamoDB adapters of the weekly digest's ports (core/insights/digest.ts): the open cases of a
 * team from the cases-by-team index, and the digest's conditional outbox put.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  type DigestCaseReader,
  type DigestOutbox,
  type OpenCaseFacts,
  openStatuses,
} from '../domain/digest-ports.ts';
import { caseTeamKey } from '../repository/case-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { table } from '../table.ts';
import { putIfAbsent, queryAll } from './dynamo.ts';

export function dynamoDigestCases(db: DynamoDBDocumentClient, tableName: string): DigestCaseReader {
  const index = table.casesByTeamIndex;
  return {
    async openCases(teamId) {
      const values: Record<string, unknown> = { ':team': caseTeamKey(teamId) };
      const statusKeys = openStatuses.map((s, i) => {
        values[`:s${i}`] = s;
        return `:s${i}`;
      });
      const items = await queryAll(db, {
        TableName: tableName,
        IndexName: index.name,
        KeyConditionExpression: '#team = :team',
        FilterExpression: `#status IN (${statusKeys.join(', ')})`,
        ProjectionExpression: '#status, acknowledgeBy, resolveBy',
        ExpressionAttributeNames: { '#team': index.partitionKey, '#status': 'status' },
        ExpressionAttributeValues: values,
      });
      return items.map((item) => ({
        status: item.status as OpenCaseFacts['status'],
        acknowledgeBy: String(item.acknowledgeBy ?? ''),
        resolveBy: String(item.resolveBy ?? ''),
      }));
    },
  };
}

export function dynamoDigestOutbox(db: DynamoDBDocumentClient, tableName: string): DigestOutbox {
  return {
    async queue(entry, at) {
      // A rerun of the same week finds the item and writes nothing (the relay forwards inserts only).
      const queued = await putIfAbsent(db, tableName, outboxItem(entry.id, entry.target, entry.message, at));
      return queued ? 'queued' : 'exists';
    },
  };
}
