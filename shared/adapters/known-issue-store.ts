/** DynamoDB adapter of the known-issues page, its subscriptions and the broadcasts (shared/domain/known-issue-ports.ts). */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { contactIdOf } from '../domain/contact.ts';
import type {
  BroadcastJob,
  BroadcastStore,
  KnownIssueStore,
  Subscription,
} from '../domain/known-issue-ports.ts';
import type { NoticeRequested } from '../events/notice-requested.ts';
import { encodeCursor } from '../pagination.ts';
import { caseKey } from '../repository/case-item.ts';
import { contactKey } from '../repository/contact-item.ts';
import {
  BROADCASTS_PK,
  broadcastKey,
  type KnownIssueItem,
  knownIssuePk,
  SUBSCRIPTION_PREFIX,
  type SubscriptionItem,
  subscribedKey,
  subscriptionKey,
} from '../repository/known-issue-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { problemFromItem, problemKey } from '../repository/problem-item.ts';
import { itemTypes } from '../table.ts';
import {
  batchGetAll,
  deleteKeys,
  putIfAbsent,
  queryAll,
  readContact,
  updateIf,
  writeAtomically,
} from './dynamo.ts';

const outboxOf = (notice: NoticeRequested, now: Date) =>
  outboxItem(`notice:${notice.noticeId}`, 'notify', notice, now);

export function dynamoKnownIssueStore(db: DynamoDBDocumentClient, tableName: string): KnownIssueStore {
  return {
    async forSite(siteId) {
      const pointers = (await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': knownIssuePk(siteId) },
      })) as unknown as KnownIssueItem[];
      const items = await batchGetAll(
        db,
        tableName,
        pointers.map((p) => problemKey(p.problemId)),
      );
      return items.map(problemFromItem);
    },

    async subscribe(subscription, confirmation) {
      const ref = { siteId: subscription.siteId, hash: subscription.hash };
      const item: SubscriptionItem = {
        ...subscriptionKey(subscription.problemId, ref),
        type: itemTypes.subscription,
        ...subscription,
      };
      const now = new Date(subscription.createdAt);
      await writeAtomically(db, [
        { Put: { TableName: tableName, Item: item } },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...subscribedKey(ref, subscription.problemId),
              type: itemTypes.subscribed,
              problemId: subscription.problemId,
            },
          },
        },
        ...(confirmation ? [{ Put: { TableName: tableName, Item: outboxOf(confirmation, now) } }] : []),
      ]);
    },
  };
}

const subscriptionOf = (i: Record<string, unknown>): Subscription => {
  const item = i as unknown as SubscriptionItem;
  return {
    problemId: item.problemId,
    siteId: item.siteId,
    hash: item.hash,
    email: item.email,
    ...(item.locale ? { locale: item.locale } : {}),
    createdAt: item.createdAt,
  };
};

/** The job keeps its cursor itself (no client ever holds it), so it is read back as written. */
const positionOf = (cursor: string | undefined) =>
  cursor
    ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>)
    : undefined;

export function dynamoBroadcastStore(db: DynamoDBDocumentClient, tableName: string): BroadcastStore {
  return {
    async pending() {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': BROADCASTS_PK },
        ConsistentRead: true,
      });
      return items.map((i) => {
        const { pk: _pk, sk: _sk, type: _type, ...job } = i;
        return job as unknown as BroadcastJob;
      });
    },

    async subscribers(problemId, cursor, limit) {
      const start = positionOf(cursor);
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sub)',
          ExpressionAttributeValues: {
            ':pk': subscriptionKey(problemId, { siteId: '', hash: '' }).pk,
            ':sub': SUBSCRIPTION_PREFIX,
          },
          ConsistentRead: true,
          Limit: limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const next = page.LastEvaluatedKey ? encodeCursor(page.LastEvaluatedKey) : undefined;
      return { items: (page.Items ?? []).map(subscriptionOf), ...(next ? { next } : {}) };
    },

    async confirmed(refs) {
      const items = await batchGetAll(
        db,
        tableName,
        refs.map((r) => contactKey(r)),
        ['pk', 'siteId', 'status'],
      );
      const found = new Set<string>();
      for (const item of items) {
        if (item.status !== 'confirmed') continue;
        const hash = String(item.pk).split('#').at(-1) ?? '';
        found.add(contactIdOf({ siteId: String(item.siteId), hash }));
      }
      return found;
    },

    async queue(notices, now) {
      // Each put on its own condition: a page queued again (a run cut off before it moved the
      // cursor) finds its items and queues nothing twice. 25 at a time.
      for (let i = 0; i < notices.length; i += 25) {
        await Promise.all(notices.slice(i, i + 25).map((n) => putIfAbsent(db, tableName, outboxOf(n, now))));
      }
    },

    async advance(job, next) {
      const sets: string[] = [];
      const values: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(next)) {
        if (value === undefined) continue;
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
      const names = Object.fromEntries([...Object.keys(next), 'cursor'].map((f) => [`#${f}`, f]));
      return updateIf(db, {
        TableName: tableName,
        Key: broadcastKey(job.problemId, job.resolution),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression:
          job.cursor === undefined
            ? 'attribute_exists(pk) AND attribute_not_exists(#cursor)'
            : 'attribute_exists(pk) AND #cursor = :was',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ...values, ...(job.cursor === undefined ? {} : { ':was': job.cursor }) },
      });
    },

    async finish(job) {
      await deleteKeys(db, tableName, [broadcastKey(job.problemId, job.resolution)]);
    },

    async customerAddressOf(caseId) {
      const { Item } = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: caseKey(caseId),
          ProjectionExpression: 'feedbackId',
          ConsistentRead: true,
        }),
      );
      if (typeof Item?.feedbackId !== 'string') return undefined;
      return (await readContact(db, tableName, Item.feedbackId))?.email;
    },
  };
}

/** The address a subscription's unsubscribe link suppresses. */
export async function subscriptionAddress(
  db: DynamoDBDocumentClient,
  tableName: string,
  problemId: string,
  ref: { siteId: string; hash: string },
): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: subscriptionKey(problemId, ref), ConsistentRead: true }),
  );
  return typeof Item?.email === 'string' ? Item.email : undefined;
}
