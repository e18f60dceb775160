/** The problem store (shared/domain/staff-ports.ts): problems and the cases linked to them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProblemStore } from '../domain/staff-ports.ts';
import { knownIssueKey, toBroadcastItem } from '../repository/known-issue-item.ts';
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
import { itemTypes, table } from '../table.ts';
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
import type { TransactItem } from './notice-store.ts';

/** The pointers that list a problem on its sites' known-issues pages (shared/repository/known-issue-item.ts). */
const pointerPuts = (tableName: string, problemId: string, siteIds: readonly string[]): TransactItem[] =>
  siteIds.map((siteId) => ({
    Put: {
      TableName: tableName,
      Item: { ...knownIssueKey(siteId, problemId), type: itemTypes.knownIssue, siteId, problemId },
    },
  }));

export function dynamoProblemStore(db: DynamoDBDocumentClient, tableName: string): ProblemStore {
  const index = table.problemsByStatusIndex;
  return {
    async create(problem) {
      const sites = problem.publicSiteIds ?? [];
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
        if (cancelledByCondition(error)) return false;
        throw error;
      }
    },

    async setPublic(next, was) {
      const fields = ['public', 'publicTitle', 'publicMessage', 'publicSiteIds'] as const;
      const set: Record<string, unknown> = { version: next.version, updatedAt: next.updatedAt };
      const remove: string[] = [];
      for (const f of fields) {
        if (next[f] === undefined) remove.push(f);
        else set[f] = next[f];
      }
      const update = updateExpression(set, remove);
      const sites = next.publicSiteIds ?? [];
      const gone = (was.publicSiteIds ?? []).filter((s) => !sites.includes(s));
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
        if (cancelledByCondition(error)) return 'stale';
        throw error;
      }
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
          ...(also.broadcast
            ? [{ Put: { TableName: tableName, Item: toBroadcastItem(also.broadcast) } }]
            : []),
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
