/** The problem store (shared/domain/staff-ports.ts): problems and the cases linked to them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProblemStore } from '../domain/staff-ports.ts';
import { knownIssueKey } from '../repository/known-issue-item.ts';
import {
  problemCaseSkPrefix,
  problemFromItem,
  problemKey,
  problemPk,
  toProblemItem,
} from '../repository/problem-item.ts';
import { itemTypes } from '../table.ts';
import {
  getConsistent,
  putIfAbsent,
  queryAll,
  updateExpression,
  updateIf,
  writeAtomically,
} from './dynamo.ts';
import { cancellationCodes, type TransactItem } from './notice-store.ts';

/** The pointers that list a problem on its sites' known-issues pages (shared/repository/known-issue-item.ts). */
const pointerPuts = (tableName: string, problemId: string, siteIds: readonly string[]): TransactItem[] =>
  siteIds.map((siteId) => ({
    Put: {
      TableName: tableName,
      Item: { ...knownIssueKey(siteId, problemId), type: itemTypes.knownIssue, siteId, problemId },
    },
  }));

export function dynamoProblemStore(db: DynamoDBDocumentClient, tableName: string): ProblemStore {
  return {
    async create(problem) {
      const sites = problem.siteIds ?? [];
      if (sites.length === 0) return putIfAbsent(db, tableName, toProblemItem(problem));
      try {
        await writeAtomically(db, [
          {
            Put: {
              TableName: tableName,
              Item: toProblemItem(problem),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...pointerPuts(tableName, problem.problemId, sites),
        ]);
        return true;
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
        throw error;
      }
    },

    async setPublic(next, was) {
      const fields = ['public', 'publicTitle', 'publicMessage', 'siteIds'] as const;
      const set: Record<string, unknown> = { version: next.version, updatedAt: next.updatedAt };
      const remove: string[] = [];
      for (const f of fields) {
        if (next[f] === undefined) remove.push(f);
        else set[f] = next[f];
      }
      const update = updateExpression(set, remove);
      const sites = next.siteIds ?? [];
      const gone = (was.siteIds ?? []).filter((s) => !sites.includes(s));
      try {
        await writeAtomically(db, [
          {
            Update: {
              TableName: tableName,
              Key: problemKey(next.problemId),
              ...update,
              ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
              ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#version': 'version' },
              ExpressionAttributeValues: {
                ...update.ExpressionAttributeValues,
                ':expectedVersion': was.version,
              },
            },
          },
          ...pointerPuts(tableName, next.problemId, sites),
          ...gone.map((siteId) => ({
            Delete: { TableName: tableName, Key: knownIssueKey(siteId, next.problemId) },
          })),
        ]);
        return 'committed';
      } catch (error) {
        if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'stale';
        throw error;
      }
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
