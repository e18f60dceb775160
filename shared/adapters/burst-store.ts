/** DynamoDB adapter of the staff flood containment store (shared/domain/staff-bursts.ts). */
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type BurstKey, type StaffBurstStore, windowEndOf } from '../domain/staff-bursts.ts';
import { DAY_MS } from '../domain/time.ts';
import {
  type BurstDueItem,
  burstCountKey,
  burstDueKey,
  burstEntryKey,
  burstEntryPrefix,
} from '../repository/burst-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { putIfAbsent, queryAll } from './dynamo.ts';
import { cancellationCodes } from './notice-store.ts';

const expiry = (from: string) => Math.floor((Date.parse(from) + 2 * DAY_MS) / 1000);

export function dynamoStaffBurstStore(db: DynamoDBDocumentClient, tableName: string): StaffBurstStore {
  return {
    async count(key) {
      const out = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: burstCountKey(key),
          UpdateExpression: 'SET #type = :type, expiresAt = :exp ADD #n :one',
          ExpressionAttributeNames: { '#type': 'type', '#n': 'count' },
          ExpressionAttributeValues: { ':type': 'burstCount', ':exp': expiry(key.windowStart), ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.count ?? 1);
    },

    async addToBatch(key, entry) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...burstEntryKey(key, entry.case.noticeId),
            type: 'burstEntry',
            entry,
            expiresAt: expiry(key.windowStart),
          },
        }),
      );
      const windowEnd = windowEndOf(key.windowStart);
      const due: BurstDueItem = {
        ...burstDueKey(key, windowEnd),
        type: 'burstDue',
        teamId: key.teamId,
        lane: key.lane,
        windowStart: key.windowStart,
        expiresAt: expiry(windowEnd),
      };
      // the window's digest is scheduled already
      await putIfAbsent(db, tableName, due);
    },

    async dueBatches(now) {
      const nowIso = now.toISOString();
      const days = new Set([
        new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10),
        nowIso.slice(0, 10),
      ]);
      const keys: BurstKey[] = [];
      for (const day of days) {
        const items = await queryAll(db, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :now',
          ExpressionAttributeValues: { ':pk': `BURSTDUE#${day}`, ':now': `${nowIso}#~` },
          ConsistentRead: true,
        });
        for (const i of items as unknown as BurstDueItem[]) {
          keys.push({ teamId: i.teamId, lane: i.lane, windowStart: i.windowStart });
        }
      }
      return keys;
    },

    async batch(key) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': burstCountKey(key).pk, ':prefix': burstEntryPrefix(key) },
        ConsistentRead: true,
      });
      return items.map((i) => i.entry as Parameters<StaffBurstStore['addToBatch']>[1]);
    },

    async flush(key, notice, noticeId, now) {
      const windowEnd = windowEndOf(key.windowStart);
      const next: BurstKey = { ...key, windowStart: windowEnd };
      await db
        .send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: { TableName: tableName, Item: outboxItem(`notice:${noticeId}`, 'notify', notice, now) },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: burstCountKey(next),
                  UpdateExpression: 'SET #type = :type, expiresAt = :exp ADD #n :one',
                  ExpressionAttributeNames: { '#type': 'type', '#n': 'count' },
                  ExpressionAttributeValues: { ':type': 'burstCount', ':exp': expiry(windowEnd), ':one': 1 },
                },
              },
              {
                Delete: {
                  TableName: tableName,
                  Key: burstDueKey(key, windowEnd),
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
            ],
          }),
        )
        .catch((error: unknown) => {
          // Another run flushed this window first: its digest is queued, nothing to add.
          if (cancellationCodes(error)?.[2] === 'ConditionalCheckFailed') return;
          throw error;
        });
    },
  };
}
