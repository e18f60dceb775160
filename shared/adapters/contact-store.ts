/** DynamoDB adapter of the double opt-in store (shared/domain/contact-ports.ts). */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CONFIRMATION_INTERVAL_MS, quotaHourOf } from '../domain/contact.ts';
import type { ContactStore, Lapse } from '../domain/contact-ports.ts';
import { HOUR_MS } from '../domain/time.ts';
import type { NoticeRequested } from '../events/notice-requested.ts';
import { caseKey } from '../repository/case-item.ts';
import {
  type ContactItem,
  contactKey,
  HELD_PREFIX,
  type HeldNoticeItem,
  heldExpiry,
  heldKey,
  type LapseItem,
  lapseDay,
  lapseKey,
  type QuotaItem,
  quotaKey,
} from '../repository/contact-item.ts';
import { SUBSCRIBED_PREFIX, subscriptionIdOf, subscriptionKey } from '../repository/known-issue-item.ts';
import { unsubscribeKeyKey } from '../repository/notice-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { itemTypes } from '../table.ts';
import { deleteKeys, getConsistent, putIfAbsent, queryAll, updateIf, writeAtomically } from './dynamo.ts';
import { cancellationCodes, type TransactItem, transactWithEvent } from './notice-store.ts';

const epochSeconds = (ms: number) => Math.floor(ms / 1000);
/** A released notice's outbox item (its id is the released copy's, see core/contacts). */
const outboxOf = (notice: NoticeRequested, now: Date) =>
  outboxItem(`notice:${notice.noticeId}`, 'notify', notice, now);

export function dynamoContactStore(db: DynamoDBDocumentClient, tableName: string): ContactStore {
  const deleteAll = (keys: { pk: string; sk: string }[]) => deleteKeys(db, tableName, keys);

  async function putOutbox(notices: NoticeRequested[], now: Date): Promise<void> {
    for (const notice of notices) {
      await db.send(new PutCommand({ TableName: tableName, Item: outboxOf(notice, now) }));
    }
  }

  return {
    async status(ref) {
      const Item = await getConsistent(db, tableName, contactKey(ref));
      return (Item as ContactItem | undefined)?.status === 'confirmed' ? 'confirmed' : 'unconfirmed';
    },

    async reserveConfirmation(ref, now) {
      return updateIf(db, {
        TableName: tableName,
        Key: contactKey(ref),
        UpdateExpression:
          'SET #type = :type, siteId = :site, #status = if_not_exists(#status, :unconfirmed), confirmationSentAt = :now',
        ConditionExpression:
          '(attribute_not_exists(#status) OR #status <> :confirmed) AND (attribute_not_exists(confirmationSentAt) OR confirmationSentAt <= :before)',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': itemTypes.contact,
          ':site': ref.siteId,
          ':unconfirmed': 'unconfirmed',
          ':confirmed': 'confirmed',
          ':now': now.toISOString(),
          ':before': new Date(now.getTime() - CONFIRMATION_INTERVAL_MS).toISOString(),
        },
      });
    },

    async unreserveConfirmation(ref, now) {
      // A failed condition means a later stamp: not ours to remove.
      await updateIf(db, {
        TableName: tableName,
        Key: contactKey(ref),
        UpdateExpression: 'REMOVE confirmationSentAt',
        ConditionExpression: 'confirmationSentAt = :now',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      });
    },

    async takeQuota(siteId, now, limit) {
      const hour = quotaHourOf(now);
      return updateIf(db, {
        TableName: tableName,
        Key: quotaKey(siteId, hour),
        UpdateExpression: 'SET #type = :type, expiresAt = :exp ADD #count :one',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#type': 'type', '#count': 'count' },
        ExpressionAttributeValues: {
          ':type': itemTypes.confirmQuota satisfies QuotaItem['type'],
          ':exp': epochSeconds(now.getTime() + 2 * HOUR_MS),
          ':one': 1,
          ':limit': limit,
        },
      });
    },

    async hold(ref, held, now) {
      const item: HeldNoticeItem = {
        ...heldKey(ref, held.requestedAt, held.notice.noticeId),
        type: itemTypes.heldNotice,
        caseId: held.caseId,
        requestedAt: held.requestedAt,
        notice: held.notice,
        expiresAt: heldExpiry(now),
      };
      await db.send(new PutCommand({ TableName: tableName, Item: item }));
    },

    async scheduleLapse(lapse) {
      const dueAt = new Date(lapse.dueAt);
      const item: LapseItem = {
        ...lapseKey(dueAt, lapse.caseId),
        type: itemTypes.lapse,
        caseId: lapse.caseId,
        siteId: lapse.ref.siteId,
        hash: lapse.ref.hash,
        dueAt: lapse.dueAt,
        expiresAt: epochSeconds(dueAt.getTime() + 30 * 24 * HOUR_MS),
      };
      // scheduled by an earlier notice of the case
      await putIfAbsent(db, tableName, item);
    },

    async held(ref) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :held)',
        ExpressionAttributeValues: { ':pk': contactKey(ref).pk, ':held': HELD_PREFIX },
        ConsistentRead: true,
      });
      return items.map((i) => {
        const item = i as unknown as HeldNoticeItem;
        return { caseId: item.caseId, requestedAt: item.requestedAt, notice: item.notice as NoticeRequested };
      });
    },

    async confirm(ref, now, via, release) {
      const update: TransactItem = {
        Update: {
          TableName: tableName,
          Key: contactKey(ref),
          UpdateExpression:
            'SET #type = :type, siteId = :site, #status = :confirmed, confirmedAt = :now, confirmedVia = :via',
          ConditionExpression: 'attribute_not_exists(#status) OR #status <> :confirmed',
          ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
          ExpressionAttributeValues: {
            ':type': itemTypes.contact,
            ':site': ref.siteId,
            ':confirmed': 'confirmed',
            ':now': now.toISOString(),
            ':via': via,
          },
        },
      };
      const puts: TransactItem[] = release.map((n) => ({
        Put: { TableName: tableName, Item: outboxOf(n, now) },
      }));
      try {
        await writeAtomically(db, [update, ...puts]);
        return 'confirmed';
      } catch (error) {
        if (cancellationCodes(error)?.[0] !== 'ConditionalCheckFailed') throw error;
        // Confirmed before (a second click): what is still held goes out on its own; the outbox
        // id is per notice and the ledger claims per recipient, so nothing is sent twice.
        await putOutbox(release, now);
        return 'already';
      }
    },

    async dropHeld(ref, held) {
      await deleteAll(held.map((h) => heldKey(ref, h.requestedAt, h.notice.noticeId)));
    },

    async dueLapses(now) {
      const days = [lapseDay(new Date(now.getTime() - 24 * HOUR_MS)), lapseDay(now)];
      const lapses: Lapse[] = [];
      for (const day of [...new Set(days)]) {
        const items = await queryAll(db, {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :now',
          ExpressionAttributeValues: { ':pk': `LAPSE#${day}`, ':now': `${now.toISOString()}#~` },
          ConsistentRead: true,
        });
        for (const i of items as unknown as LapseItem[]) {
          lapses.push({ caseId: i.caseId, ref: { siteId: i.siteId, hash: i.hash }, dueAt: i.dueAt });
        }
      }
      return lapses;
    },

    async lapse(lapse, event, now) {
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: caseKey(lapse.caseId),
            UpdateExpression: 'SET contactConsent = :false, version = version + :one, updatedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND contactConsent = :true',
            ExpressionAttributeValues: {
              ':false': false,
              ':true': true,
              ':one': 1,
              ':now': now.toISOString(),
            },
          },
        },
        { Delete: { TableName: tableName, Key: lapseKey(new Date(lapse.dueAt), lapse.caseId) } },
      ];
      const result = await transactWithEvent(db, tableName, items, lapse.caseId, [event]);
      if (result === 'ok') return 'lapsed';
      await db.send(
        new DeleteCommand({ TableName: tableName, Key: lapseKey(new Date(lapse.dueAt), lapse.caseId) }),
      );
      return 'not_applicable';
    },

    async clearLapse(lapse) {
      await db.send(
        new DeleteCommand({ TableName: tableName, Key: lapseKey(new Date(lapse.dueAt), lapse.caseId) }),
      );
    },

    async erase(ref) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': contactKey(ref).pk },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      });
      const keys = items.map((i) => ({ pk: i.pk as string, sk: i.sk as string }));
      // Its "notify me" subscriptions go too (their pointers sit in this partition), with the
      // subscription's unsubscribe key: nothing is left that could mail the address.
      for (const { sk } of keys) {
        if (!sk.startsWith(SUBSCRIBED_PREFIX)) continue;
        const problemId = sk.slice(SUBSCRIBED_PREFIX.length);
        keys.push(subscriptionKey(problemId, ref), unsubscribeKeyKey(subscriptionIdOf(problemId, ref)));
      }
      await deleteAll(keys);
    },
  };
}
