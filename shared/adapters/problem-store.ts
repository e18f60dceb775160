/** The problem store (shared/domain/staff-ports.ts): problems and the cases linked to them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProblemStore } from '../domain/staff-ports.ts';
import { outboxItem } from '../repository/outbox.ts';
import {
  problemCaseSkPrefix,
  problemFromItem,
  problemKey,
  problemPk,
  toProblemItem,
} from '../repository/problem-item.ts';
import {
  getConsistent,
  putIfAbsent,
  queryAll,
  updateExpression,
  updateIf,
  writeAtomically,
} from './dynamo.ts';

/** A cancelled transaction whose first item (the problem) failed its condition. */
const conditionFailedFirst = (error: unknown) =>
  (error as { name?: string })?.name === 'TransactionCanceledException' &&
  (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons?.[0]?.Code ===
    'ConditionalCheckFailed';

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

    async update(problemId, expectedVersion, set, outbox = []) {
      const update = updateExpression(set);
      const input = {
        TableName: tableName,
        Key: problemKey(problemId),
        ...update,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#version': 'version' },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':expectedVersion': expectedVersion,
        },
      };
      if (outbox.length === 0) return (await updateIf(db, input)) ? 'committed' : 'stale';
      // The problem and its events together (shared/repository/outbox.ts), or neither.
      const at = new Date(String(set.updatedAt));
      try {
        await writeAtomically(db, [
          { Update: input },
          ...outbox.map((o) => ({
            Put: { TableName: tableName, Item: outboxItem(o.id, o.target, o.message, at) },
          })),
        ]);
        return 'committed';
      } catch (error) {
        if (conditionFailedFirst(error)) return 'stale';
        throw error;
      }
    },
  };
}
