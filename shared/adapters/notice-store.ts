/**
 * DynamoDB adapters of the notice ports: the at-most-once ledger (claim → outcome + timeline
 * event), the suppression list and the used-token lookup.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { normalizeAddress } from '../domain/address.ts';
import type { TimelineEvent } from '../domain/case.ts';
import type {
  CaseCustomers,
  NoticeKey,
  NoticeLedger,
  NoticeOutcome,
  SuppressionList,
  UnsubscribeKeys,
  UsedTokens,
} from '../domain/notice-ports.ts';
import { caseKey, toEventItem } from '../repository/case-item.ts';
import {
  NOTICE_RETENTION_SECONDS,
  type NoticeItem,
  noticeKey,
  type SuppressionItem,
  suppressionKey,
  tokenKey,
  UNSUBSCRIBE_KEY_SECONDS,
  type UnsubscribeKeyItem,
  unsubscribeKeyKey,
} from '../repository/notice-item.ts';
import { itemTypes } from '../table.ts';
import {
  conditionHeld,
  getConsistent,
  isConditionFailure,
  putIfAbsent,
  readContact,
  updateExpression,
} from './dynamo.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Per-item reasons of a cancelled transaction, or undefined for any other error. */
export function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code);
}

const MAX_EVENT_SEQ_TRIES = 10;

/**
 * Runs a transaction that appends one timeline event to a case (and requires the case to exist).
 * Another writer may have taken the same `EVENT#<at>#<seq>` key in the same millisecond: then it
 * tries the next sequence number. Answers the cancellation codes of `items` when the transaction
 * was cancelled for another reason, `case_missing` when the case does not exist.
 */
export async function transactWithEvent(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: TransactItem[],
  caseId: string,
  events: TimelineEvent[],
): Promise<'ok' | 'case_missing' | (string | undefined)[]> {
  for (let seq = 0; seq < MAX_EVENT_SEQ_TRIES; seq++) {
    const eventPuts: TransactItem[] = events.map((event, i) => ({
      Put: {
        TableName: tableName,
        Item: toEventItem(caseId, event, seq + i),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    // The case must exist (no orphan events); when `items` already update it, that update's own
    // condition says so, and a transaction may not name one item twice.
    const touchesCase = items.some((item) => {
      const key = (item.Update?.Key ?? item.ConditionCheck?.Key) as { pk?: string; sk?: string } | undefined;
      return key?.pk === caseKey(caseId).pk && key.sk === 'CASE';
    });
    const caseCheck: TransactItem[] = touchesCase
      ? []
      : [
          {
            ConditionCheck: {
              TableName: tableName,
              Key: caseKey(caseId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ];
    try {
      await db.send(new TransactWriteCommand({ TransactItems: [...items, ...eventPuts, ...caseCheck] }));
      return 'ok';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined) throw error;
      const own = codes.slice(0, items.length);
      const eventCodes = codes.slice(items.length, items.length + eventPuts.length);
      const caseCode = codes[items.length + eventPuts.length];
      if (own.some((c) => c === 'ConditionalCheckFailed')) return own;
      if (caseCheck.length > 0 && caseCode === 'ConditionalCheckFailed') return 'case_missing';
      if (eventCodes.some((c) => c === 'ConditionalCheckFailed')) continue;
      throw error;
    }
  }
  throw new Error(`could not find a free timeline slot for case ${caseId}`);
}

export function dynamoNoticeLedger(db: DynamoDBDocumentClient, tableName: string): NoticeLedger {
  const expiresAt = (at: Date) => Math.floor(at.getTime() / 1000) + NOTICE_RETENTION_SECONDS;

  const settledFields = (outcome: NoticeOutcome, at: Date) => ({
    status: outcome.status,
    settledAt: at.toISOString(),
    ...(outcome.messageId ? { messageId: outcome.messageId } : {}),
    ...(outcome.error ? { error: outcome.error.slice(0, 1000) } : {}),
  });

  /** Writes with the event when there is a case to append to, else alone. */
  async function writeOutcome(
    item: TransactItem,
    outcome: NoticeOutcome,
  ): Promise<'ok' | 'condition_failed'> {
    if (outcome.caseId && outcome.event) {
      const result = await transactWithEvent(db, tableName, [item], outcome.caseId, [outcome.event]);
      if (result === 'ok') return 'ok';
      if (result !== 'case_missing') return 'condition_failed';
    }
    try {
      await db.send(new TransactWriteCommand({ TransactItems: [item] }));
      return 'ok';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') return 'condition_failed';
      throw error;
    }
  }

  /**
   * The outcome is on the item already: an earlier attempt's transaction was applied and its answer
   * lost, so the retry met its own write (the same transaction also wrote the timeline event).
   */
  async function alreadyRecorded(key: NoticeKey, outcome: NoticeOutcome): Promise<boolean> {
    const { Item } = await db.send(
      new GetCommand({ TableName: tableName, Key: noticeKey(key.noticeId, key.email), ConsistentRead: true }),
    );
    return (
      Item?.status === outcome.status &&
      Item.claimToken === undefined &&
      (outcome.messageId === undefined || Item.messageId === outcome.messageId)
    );
  }

  return {
    async claim(key, kind, at) {
      const claimToken = randomUUID();
      const item: NoticeItem = {
        ...noticeKey(key.noticeId, key.email),
        type: itemTypes.notice,
        noticeId: key.noticeId,
        kind,
        status: 'sending',
        claimToken,
        claimedAt: at.toISOString(),
        expiresAt: expiresAt(at),
      };
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true, claimToken };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Our own claim: the Put was applied, its answer lost (a timeout, a 5xx) and the SDK's
        // retry met the item it had written. Nothing was sent yet, so the claim is ours to use.
        const old = error.Item ? unmarshall(error.Item as Record<string, AttributeValue>) : undefined;
        if (old?.claimToken === claimToken) return { claimed: true, claimToken };
        const { Item } = await db.send(
          new GetCommand({
            TableName: tableName,
            Key: noticeKey(key.noticeId, key.email),
            ConsistentRead: true,
          }),
        );
        return { claimed: false, status: (Item?.status as NoticeItem['status'] | undefined) ?? 'sending' };
      }
    },

    async release(key, claimToken) {
      // A failed condition means the claim is not ours any more: nothing to release.
      await conditionHeld(
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: noticeKey(key.noticeId, key.email),
            ConditionExpression: '#status = :sending AND claimToken = :token',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':sending': 'sending', ':token': claimToken },
          }),
        ),
      );
    },

    async complete(key, claimToken, outcome, at) {
      const settled = updateExpression(settledFields(outcome, at), ['claimToken']);
      const update: TransactItem = {
        Update: {
          TableName: tableName,
          Key: noticeKey(key.noticeId, key.email),
          ...settled,
          ConditionExpression: '#claimStatus = :sending AND #claimToken = :token',
          ExpressionAttributeNames: { ...settled.ExpressionAttributeNames, '#claimStatus': 'status' },
          ExpressionAttributeValues: {
            ...settled.ExpressionAttributeValues,
            ':sending': 'sending',
            ':token': claimToken,
          },
        },
      };
      const result = await writeOutcome(update, outcome);
      if (result === 'condition_failed' && !(await alreadyRecorded(key, outcome))) {
        throw new Error(
          `notice ${key.noticeId}: the claim is no longer ours; outcome ${outcome.status} not recorded`,
        );
      }
    },

    async settle(key, outcome, at) {
      const item: NoticeItem = {
        ...noticeKey(key.noticeId, key.email),
        type: itemTypes.notice,
        noticeId: key.noticeId,
        kind: outcome.kind,
        ...(outcome.caseId ? { caseId: outcome.caseId } : {}),
        claimedAt: at.toISOString(),
        expiresAt: expiresAt(at),
        ...settledFields(outcome, at),
      };
      const put: TransactItem = {
        Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
      };
      return (await writeOutcome(put, outcome)) === 'ok' ? 'recorded' : 'duplicate';
    },
  };
}

export function dynamoSuppressionList(db: DynamoDBDocumentClient, tableName: string): SuppressionList {
  return {
    async isSuppressed(email) {
      const Item = await getConsistent(db, tableName, suppressionKey(email));
      return Item !== undefined;
    },
    async add(email, reason, at, detail) {
      const item: SuppressionItem = {
        ...suppressionKey(email),
        type: itemTypes.suppression,
        email: normalizeAddress(email),
        reason,
        at: at.toISOString(),
        ...(detail ? { detail } : {}),
      };
      // suppressed already: keep the first reason
      await putIfAbsent(db, tableName, item);
    },
  };
}

export function dynamoUsedTokens(db: DynamoDBDocumentClient, tableName: string): UsedTokens {
  return {
    async isUsed(jti) {
      const Item = await getConsistent(db, tableName, tokenKey(jti));
      return Item !== undefined;
    },
  };
}

export function dynamoUnsubscribeKeys(db: DynamoDBDocumentClient, tableName: string): UnsubscribeKeys {
  const find = async (caseId: string) => {
    const item = await getConsistent(db, tableName, unsubscribeKeyKey(caseId));
    return typeof item?.key === 'string' ? { key: item.key, expiresAt: Number(item.expiresAt) } : undefined;
  };
  return {
    async keyFor(caseId, now, until) {
      const found = await find(caseId);
      const expiresAt = Math.floor(now.getTime() / 1000) + UNSUBSCRIBE_KEY_SECONDS;
      if (found) {
        // Renewed about once a year, and only for a case that still mails its customer then.
        if (found.expiresAt < until) {
          await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: unsubscribeKeyKey(caseId),
              UpdateExpression: 'SET expiresAt = :e',
              ExpressionAttributeValues: { ':e': expiresAt },
            }),
          );
        }
        return found.key;
      }
      const item: UnsubscribeKeyItem = {
        ...unsubscribeKeyKey(caseId),
        type: itemTypes.unsubscribeKey,
        caseId,
        key: randomBytes(32).toString('base64url'),
        createdAt: now.toISOString(),
        expiresAt,
      };
      if (await putIfAbsent(db, tableName, item)) return item.key;
      // Another delivery for the same case made it first: every link of the case uses that one.
      const winner = await find(caseId);
      if (!winner) throw new Error(`unsubscribe key of ${caseId} vanished`);
      return winner.key;
    },
    async find(caseId) {
      return (await find(caseId))?.key;
    },
  };
}

export function dynamoCaseCustomers(db: DynamoDBDocumentClient, tableName: string): CaseCustomers {
  return {
    async addressOf(caseId) {
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
