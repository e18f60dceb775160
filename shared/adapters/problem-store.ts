/** The problem store (shared/domain/staff-ports.ts): problems and the cases linked to them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProblemStore } from '../domain/staff-ports.ts';
import {
  problemCaseSkPrefix,
  problemFromItem,
  problemKey,
  problemPk,
  toProblemItem,
} from '../repository/problem-item.ts';
import { getConsistent, putIfAbsent, queryAll, updateExpression, updateIf } from './dynamo.ts';

export function dynamoProblemStore(db: DynamoDBDocumentClient, tableName: string): ProblemStore {
  return {
    async create(problem) {
      return putIfAbsent(db, tableName, toProblemItem(problem));
    },

    async get(problemId) {
      const Item = await getConsistent(db, tableName, problemKey(problemId));
      return Item ? problemFromItem(Item) : undefined;
    },

    async linkedCases(problemId) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': problemPk(problemId), ':prefix': problemCaseSkPrefix },
        ProjectionExpression: 'caseId, teamId',
        ConsistentRead: true,
      });
      return items.map((i) => ({ caseId: String(i.caseId), teamId: String(i.teamId) }));
    },

    async update(problemId, expectedVersion, set) {
      const update = updateExpression(set);
      const committed = await updateIf(db, {
        TableName: tableName,
        Key: problemKey(problemId),
        ...update,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#version': 'version' },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':expectedVersion': expectedVersion,
        },
      });
      return committed ? 'committed' : 'stale';
    },
  };
}
