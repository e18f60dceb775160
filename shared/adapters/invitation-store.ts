/** The ask side's DynamoDB adapter: journey events, invitations, contact states and logs. */
import { randomUUID } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Feedback } from '../domain/feedback.ts';
import type { ImpressionCounter } from '../domain/impressions.ts';
import { askTallies, type Invitation } from '../domain/invitation.ts';
import type {
  CustomerFactsReader,
  InvitationChange,
  InvitationReader,
  InvitationStore,
  JourneyStore,
} from '../domain/invitation-ports.ts';
import { caseKey } from '../repository/case-item.ts';
import { customerHashOf, feedbackKey, toItem as feedbackToItem } from '../repository/feedback-item.ts';
import {
  contactLogFromItem,
  contactLogItem,
  contactLogPk,
  contactStateFromItem,
  contactStateItem,
  contactStateKey,
  firstSeenFromItem,
  firstSeenKey,
  firstSeenUpdate,
  invitationFromItem,
  invitationIdOfPk,
  invitationKey,
  invitationToItem,
  journeyEventFromItem,
  journeyEventKey,
  journeyEventToItem,
} from '../repository/invitation-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { triageMarkerKey } from '../repository/triage-marker.ts';
import { table } from '../table.ts';
import {
  batchGetAll,
  cancelledByCondition,
  customerIndexKeys,
  dueTimerPages,
  getConsistent,
  writeAtomically,
} from './dynamo.ts';
import { metricAddUpdate } from './metric-update.ts';
import { dynamoSuppressionList } from './notice-store.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The writes of one invitation change, each conditional where a race can meet it. */
function changeWrites(
  tableName: string,
  change: InvitationChange,
  retentionDays: number,
  now: Date,
): TransactItem[] {
  const writes: TransactItem[] = [];
  const item = invitationToItem({ ...change.invitation }, retentionDays);
  writes.push({
    Put:
      change.expectedVersion === undefined
        ? { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            TableName: tableName,
            Item: item,
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': change.expectedVersion },
          },
  });
  if (change.contact) {
    const { contactKey, state, expectedVersion } = change.contact;
    writes.push({
      Put: {
        TableName: tableName,
        Item: contactStateItem(contactKey, state, now, retentionDays),
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : '#version = :expected',
        ...(expectedVersion === 0
          ? {}
          : {
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': expectedVersion },
            }),
      },
    });
  }
  for (const entry of change.log) {
    writes.push({
      Put: { TableName: tableName, Item: contactLogItem(change.invitation.contactKey, entry, retentionDays) },
    });
  }
  if (change.notice) {
    writes.push({
      Put: {
        TableName: tableName,
        Item: outboxItem(`notice:${change.notice.noticeId}`, 'notify', change.notice, now),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  if (change.feedback) writes.push(feedbackPut(tableName, change.feedback, retentionDays));
  if (change.counters) writes.push({ Update: askCounter(tableName, change.invitation, change.counters) });
  return writes;
}

/** The touchpoint's `ask` counters of the invitation's week (docs/invitations.md#response-figures). */
const askCounter = (tableName: string, inv: Invitation, tallies: Record<string, number>) =>
  metricAddUpdate(
    tableName,
    { dimension: 'ask', key: inv.touchpoint, week: inv.askWeek, tallies },
    inv.invitationId,
  );

const feedbackPut = (tableName: string, feedback: Feedback, retentionDays: number): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: feedbackToItem(feedback, retentionDays),
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** Reads one invitation (notify checks that an invitation's email is still wanted). */
export function dynamoInvitationReader(db: DynamoDBDocumentClient, tableName: string): InvitationReader {
  return {
    async get(invitationId) {
      const item = await getConsistent(db, tableName, invitationKey(invitationId));
      return item ? invitationFromItem(item) : undefined;
    },
  };
}

export function dynamoInvitationStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
  clock: { now(): Date },
): InvitationStore {
  return {
    get: dynamoInvitationReader(db, tableName).get,

    async due(shard, dueBy, onPage) {
      for await (const page of dueTimerPages(db, tableName, shard, dueBy)) {
        await onPage(
          page.items
            .filter((i) => i.sk === 'INVITATION' && typeof i.pk === 'string')
            .map((i) => invitationIdOfPk(i.pk as string)),
        );
      }
    },

    async contactState(contactKey) {
      return contactStateFromItem(await getConsistent(db, tableName, contactStateKey(contactKey)));
    },

    async apply(change) {
      try {
        await writeAtomically(db, changeWrites(tableName, change, retentionDays, clock.now()));
        return true;
      } catch (error) {
        if (cancelledByCondition(error)) return false;
        throw error;
      }
    },

    async markOpened(invitation, at) {
      const stamp = {
        TableName: tableName,
        Key: invitationKey(invitation.invitationId),
        UpdateExpression: 'SET openedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(openedAt)',
        ExpressionAttributeValues: { ':at': at },
      };
      const tallies = askTallies(invitation, 'opened');
      // The stamp and its count together: a page opened twice counts once.
      try {
        await writeAtomically(db, [
          { Update: stamp },
          ...(tallies ? [{ Update: askCounter(tableName, invitation, tallies) }] : []),
        ]);
      } catch (error) {
        if (!cancelledByCondition(error)) throw error;
      }
    },

    async contactLog(contactKey, limit) {
      const { Items = [] } = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :log)',
          ExpressionAttributeValues: { ':pk': contactLogPk(contactKey), ':log': 'LOG#' },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.map(contactLogFromItem);
    },
  };
}

export function dynamoJourneyStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
  clock: { now(): Date },
): JourneyStore {
  return {
    async record(event, starts) {
      const writes: TransactItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: journeyEventToItem(event, retentionDays),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...(starts.invitation
          ? changeWrites(tableName, { ...starts, invitation: starts.invitation }, retentionDays, clock.now())
          : starts.feedback
            ? [feedbackPut(tableName, starts.feedback, retentionDays)]
            : []),
        ...(starts.contactKey
          ? [{ Update: firstSeenUpdate(tableName, starts.contactKey, event.receivedAt, retentionDays) }]
          : []),
      ];
      try {
        await writeAtomically(db, writes);
        return { created: true };
      } catch (error) {
        if (!cancelledByCondition(error)) throw error;
        const existing = await getConsistent(db, tableName, journeyEventKey(event.siteId, event.eventId));
        // Not the event itself: the invitation, state or answer of the same ids raced; try again.
        if (!existing) throw error;
        return { created: false, existing: journeyEventFromItem(existing) };
      }
    },

    async firstSeen(contactKey) {
      return firstSeenFromItem(await getConsistent(db, tableName, firstSeenKey(contactKey)));
    },
  };
}

/** Shown prompts into the touchpoint's `ask` counters, each batch on a random shard (no hot item). */
export function dynamoImpressionCounter(db: DynamoDBDocumentClient, tableName: string): ImpressionCounter {
  return {
    async add(touchpoint, week, count) {
      await db.send(
        new UpdateCommand(
          metricAddUpdate(
            tableName,
            { dimension: 'ask', key: touchpoint, week, tallies: { prompted: count } },
            randomUUID(),
          ),
        ),
      );
    },
  };
}

/** Suppression and open cases of an address, through the suppression list and the erasure index. */
export function dynamoCustomerFacts(db: DynamoDBDocumentClient, tableName: string): CustomerFactsReader {
  const suppression = dynamoSuppressionList(db, tableName);
  const _index = table.customerIndex;
  return {
    suppressed: (email) => suppression.isSuppressed(email),
    async caseOpen(email) {
      const keys = await customerIndexKeys(db, tableName, customerHashOf(email));
      const feedbackIds = keys
        .filter((k) => k.sk === feedbackKey('').sk && typeof k.pk === 'string')
        .map((k) => (k.pk as string).slice(feedbackKey('').pk.length));
      if (feedbackIds.length === 0) return false;
      const markers = await batchGetAll(
        db,
        tableName,
        feedbackIds.map((id) => triageMarkerKey(id)),
        ['caseId'],
      );
      const caseIds = markers.flatMap((m) => (typeof m.caseId === 'string' ? [m.caseId] : []));
      if (caseIds.length === 0) return false;
      const cases = await batchGetAll(
        db,
        tableName,
        caseIds.map((id) => caseKey(id)),
        ['status'],
      );
      return cases.some((c) => c.status !== 'resolved' && c.status !== 'closed');
    },
  };
}
