/**
 * DynamoDB adapters of the notice ports: the ledger (lease claim → outcome + timeline event; open
 * claims for the send events and the reconciler), the suppression list and the used-token lookup.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { normalizeAddress } from '../domain/address.ts';
import type { TimelineEvent } from '../domain/case.ts';
import { isInvitationId } from '../domain/invitation.ts';
import type {
  CaseCustomers,
  NoticeKey,
  NoticeLedger,
  NoticeOutcome,
  OpenClaim,
  SuppressionList,
  UnsubscribeKeys,
  UsedTokens,
} from '../domain/notice-ports.ts';
import { caseKey, toEventItem } from '../repository/case-item.ts';
import { invitationKey } from '../repository/invitation-item.ts';
import { parseSubscriptionId } from '../repository/known-issue-item.ts';
import {
  addressHash,
  claimOfKeys,
  claimTags,
  leaseAttributes,
  leaseIndexFields,
  leaseShards,
  NOTICE_RETENTION_SECONDS,
  type NoticeItem,
  noticeKey,
  noticeKeyOfHash,
  type SuppressionItem,
  suppressionKey,
  tokenKey,
  UNSUBSCRIBE_KEY_SECONDS,
  type UnsubscribeKeyItem,
  unsubscribeKeyKey,
} from '../repository/notice-item.ts';
import { itemTypes, table } from '../table.ts';
import {
  conditionHeld,
  dueTimerPages,
  getConsistent,
  isConditionFailure,
  putIfAbsent,
  readContact,
  updateExpression,
  updateIf,
} from './dynamo.ts';
import { subscriptionAddress } from './known-issue-store.ts';

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

  /** The update that settles an open claim with `outcome`, on `condition` (`#claimStatus`, `#claimToken`). */
  const settleOpenClaim = (
    key: NoticeKey,
    outcome: NoticeOutcome,
    at: Date,
    condition: string,
    values: Record<string, string>,
  ): TransactItem => {
    const settled = updateExpression(settledFields(outcome, at), ['claimToken', ...leaseAttributes]);
    return {
      Update: {
        TableName: tableName,
        Key: noticeKey(key.noticeId, key.email),
        ...settled,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          ...settled.ExpressionAttributeNames,
          '#claimStatus': 'status',
          ...(condition.includes('#claimToken') ? { '#claimToken': 'claimToken' } : {}),
        },
        ExpressionAttributeValues: { ...settled.ExpressionAttributeValues, ...values },
      },
    };
  };

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
    const Item = await getConsistent(db, tableName, noticeKey(key.noticeId, key.email));
    return (
      Item?.status === outcome.status &&
      Item.claimToken === undefined &&
      (outcome.messageId === undefined || Item.messageId === outcome.messageId)
    );
  }

  return {
    async claim(key, kind, at, lease) {
      const claimToken = randomUUID();
      const keys = noticeKey(key.noticeId, key.email);
      const fields = {
        type: itemTypes.notice,
        noticeId: key.noticeId,
        kind,
        status: 'sending',
        claimToken,
        claimedAt: at.toISOString(),
        expiresAt: expiresAt(at),
        leaseUntil: lease.until.toISOString(),
        notice: lease.body,
        ...leaseIndexFields(key.noticeId, lease.until),
      } satisfies Partial<NoticeItem>;
      const set = updateExpression(fields);
      const tags = claimTags(key);
      try {
        // A new claim, or the take-over of one the reconciler released (its lease count goes on).
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys,
            UpdateExpression: `${set.UpdateExpression}, #leases = if_not_exists(#leases, :zero) + :one`,
            ConditionExpression: 'attribute_not_exists(pk) OR #status = :released',
            ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#leases': 'leases' },
            ExpressionAttributeValues: {
              ...set.ExpressionAttributeValues,
              ':zero': 0,
              ':one': 1,
              ':released': 'released',
            },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { claimed: true, claimToken, lease: Number(Attributes?.leases ?? 1), tags };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Our own claim: the write was applied, its answer lost (a timeout, a 5xx) and the SDK's
        // retry met the item it had written. Nothing was sent yet, so the claim is ours to use.
        const old = error.Item ? unmarshall(error.Item as Record<string, AttributeValue>) : undefined;
        if (old?.claimToken === claimToken)
          return { claimed: true, claimToken, lease: Number(old.leases ?? 1), tags };
        const Item = await getConsistent(db, tableName, keys);
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
      const update = settleOpenClaim(key, outcome, at, '#claimStatus = :sending AND #claimToken = :token', {
        ':sending': 'sending',
        ':token': claimToken,
      });
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
      // A released claim is nobody's: the copy queued again may settle it (erased meanwhile…).
      const put: TransactItem = {
        Put: {
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :released',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': 'released' },
        },
      };
      return (await writeOutcome(put, outcome)) === 'ok' ? 'recorded' : 'duplicate';
    },

    async openClaim(noticeId, recipientHash) {
      const Item = await getConsistent(db, tableName, noticeKeyOfHash(noticeId, recipientHash));
      return Item ? openClaimOf(Item) : undefined;
    },

    async dueClaims(dueBy, onPage) {
      for (const shard of leaseShards) {
        for await (const page of dueTimerPages(db, tableName, shard, dueBy.toISOString())) {
          const claims: OpenClaim[] = [];
          // The index is keys only and eventually consistent: each claim is read again as it is now.
          for (const keys of page.items) {
            const Item = await getConsistent(db, tableName, { pk: String(keys.pk), sk: String(keys.sk) });
            const open = Item ? openClaimOf(Item) : undefined;
            if (open && open.dueAt <= dueBy.toISOString()) claims.push(open);
          }
          if (claims.length > 0) await onPage(claims);
        }
      }
    },

    async confirmSent(key, outcome, at) {
      const update = settleOpenClaim(key, outcome, at, '#claimStatus IN (:sending, :released)', {
        ':sending': 'sending',
        ':released': 'released',
      });
      return (await writeOutcome(update, outcome)) === 'ok' ? 'recorded' : 'settled';
    },

    async expire(claim, nextDue) {
      const index = leaseIndexFields(claim.key.noticeId, nextDue);
      const set = updateExpression({ status: 'released', ...index }, ['claimToken']);
      const held = claim.claimToken === undefined ? '' : ' AND #claimToken = :token';
      // A lost answer makes the SDK's retry fail this condition: the claim then waits, released,
      // for the next run, which queues it again.
      return updateIf(db, {
        TableName: tableName,
        Key: noticeKey(claim.key.noticeId, claim.key.email),
        ...set,
        ConditionExpression: `#claimStatus = :was AND #claimDue = :due${held}`,
        ExpressionAttributeNames: {
          ...set.ExpressionAttributeNames,
          '#claimStatus': 'status',
          '#claimDue': table.timersIndex.sortKey,
          ...(held ? { '#claimToken': 'claimToken' } : {}),
        },
        ExpressionAttributeValues: {
          ...set.ExpressionAttributeValues,
          ':was': claim.status,
          ':due': claim.dueAt,
          ...(held ? { ':token': claim.claimToken } : {}),
        },
      });
    },
  };
}

/** An open claim's item as the port's `OpenClaim`; its recipient found among the notice's by hash. */
function openClaimOf(item: Record<string, unknown>): OpenClaim | undefined {
  const { status, notice, dueAt } = item as Partial<NoticeItem>;
  if ((status !== 'sending' && status !== 'released') || !notice || !dueAt) return undefined;
  const ids = claimOfKeys(String(item.pk), String(item.sk));
  if (!ids) return undefined;
  let to: unknown;
  try {
    to = (JSON.parse(notice) as { to?: unknown }).to;
  } catch {
    return undefined;
  }
  const email = Array.isArray(to)
    ? (to as { email?: unknown }[])
        .map((r) => r.email)
        .find((e): e is string => typeof e === 'string' && addressHash(e) === ids.hash)
    : undefined;
  if (!email) return undefined;
  return {
    key: { noticeId: ids.noticeId, email },
    status,
    ...(typeof item.claimToken === 'string' ? { claimToken: item.claimToken } : {}),
    leases: Number(item.leases ?? 1),
    dueAt,
    body: notice,
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
      // A known-issues subscriber's names the subscription (docs/known-issues.md).
      const subscription = parseSubscriptionId(caseId);
      if (subscription) return subscriptionAddress(db, tableName, subscription.problemId, subscription.ref);
      // A survey invitation's unsubscribe link names the invitation (core/notices/deliver.ts).
      if (isInvitationId(caseId)) {
        const invitation = await getConsistent(db, tableName, invitationKey(caseId));
        const email = (invitation?.customer as { email?: unknown } | undefined)?.email;
        return typeof email === 'string' ? email : undefined;
      }
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
