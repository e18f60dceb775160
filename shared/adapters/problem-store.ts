/** The problem store (shared/domain/staff-ports.ts): problems and the cases linked to them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProblemStore } from '../domain/staff-ports.ts';
import { outboxItem } from '../repository/outbox.ts';
import {
  problemAttributes,
  problemCaseSkPrefix,
  problemCheckKey,
  problemCheckPk,
  problemFromItem,
  problemKey,
  problemPk,
  problemStatusKey,
  toProblemCheckItem,
  toProblemItem,
} from '../repository/problem-item.ts';
import { table } from '../table.ts';
import {
  cancelledByCondition,
  deleteKeys,
  getConsistent,
  putIfAbsent,
  queryAll,
  queryPages,
  updateExpression,
  writeAtomically,
} from './dynamo.ts';

export function dynamoProblemStore(db: DynamoDBDocumentClient, tableName: string): ProblemStore {
  const index = table.problemsByStatusIndex;
  return {
    async create(problem) {
      return putIfAbsent(db, tableName, toProblemItem(problem));
    },

    async get(problemId) {
      const Item = await getConsistent(db, tableName, problemKey(problemId));
      return Item ? problemFromItem(Item) : undefined;
    },

    async byStatus({ status, limit, startKey }) {
      for await (const page of queryPages(
        db,
        {
          TableName: tableName,
          IndexName: index.name,
          KeyConditionExpression: '#status = :status',
          ExpressionAttributeNames: { '#status': index.partitionKey },
          ExpressionAttributeValues: { ':status': problemStatusKey(status) },
          ScanIndexForward: false,
        },
        { limit, maxReads: 1, ...(startKey ? { startKey } : {}) },
      )) {
        return {
          items: page.items.map(problemFromItem),
          ...(page.lastKey ? { lastKey: page.lastKey as Record<string, string> } : {}),
        };
      }
      return { items: [] };
    },

    async linkedCases(problemId) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': problemPk(problemId), ':prefix': problemCaseSkPrefix },
        ProjectionExpression: 'caseId, teamId, touchpoint, customerRef',
        ConsistentRead: true,
      });
      return items.map((i) => ({
        caseId: String(i.caseId),
        teamId: String(i.teamId),
        ...(typeof i.touchpoint === 'string' ? { touchpoint: i.touchpoint } : {}),
        ...(typeof i.customerRef === 'string' ? { customerRef: i.customerRef } : {}),
      }));
    },

    async update(problemId, expectedVersion, set, also = {}) {
      const update = updateExpression(problemAttributes(set));
      const write = {
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
      try {
        await writeAtomically(db, [
          { Update: write },
          ...(also.check ? [{ Put: { TableName: tableName, Item: toProblemCheckItem(also.check) } }] : []),
          ...(also.outbox ?? []).map((o) => ({
            Put: {
              TableName: tableName,
              Item: outboxItem(o.id, o.target, o.message, also.at ?? new Date(set.updatedAt)),
            },
          })),
        ]);
        return 'committed';
      } catch (error) {
        if (cancelledByCondition(error)) return 'stale';
        throw error;
      }
    },

    async dueChecks(dueBy, limit) {
      for await (const page of queryPages(
        db,
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :due',
          // `~` sorts after every id character: every check due at `dueBy` itself is included.
          ExpressionAttributeValues: { ':pk': problemCheckPk, ':due': `${dueBy}#~` },
          ConsistentRead: true,
        },
        { limit, maxReads: 1 },
      )) {
        return page.items.map((i) => ({
          problemId: String(i.problemId),
          dueAt: String(i.dueAt),
          resolution: Number(i.resolution),
        }));
      }
      return [];
    },

    async dropCheck(check) {
      await deleteKeys(db, tableName, [problemCheckKey(check.dueAt, check.problemId)]);
    },
  };
}
