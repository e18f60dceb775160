/**
 * DynamoDB adapters of the triage ports: the feedback reader, the team assignment state reader
 * and the one-transaction writer of a triage result.
 */
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { RoundRobinCursor } from '../domain/assignment.ts';
import {
  AssignmentConflict,
  type AssignmentStateReader,
  CaseRefTaken,
  type FeedbackReader,
  TransactionConflict,
  type TriageStore,
  type TriageWrite,
} from '../domain/triage-ports.ts';
import { toCaseItem, toCaseRefItem, toEventItem } from '../repository/case-item.ts';
import { feedbackKey, fromItem } from '../repository/feedback-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { cursorKey, openCounterKey, openCounterSkPrefix, teamPk } from '../repository/team-item.ts';
import { toTriageMarkerItem } from '../repository/triage-marker.ts';
import { itemTypes } from '../table.ts';
import { getConsistent, queryAll } from './dynamo.ts';
import { metricAddUpdate } from './metric-update.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit of actions in one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

export function dynamoFeedbackReader(db: DynamoDBDocumentClient, tableName: string): FeedbackReader {
  return {
    async get(feedbackId) {
      const Item = await getConsistent(db, tableName, feedbackKey(feedbackId));
      return Item ? fromItem(Item) : undefined;
    },
  };
}

export function dynamoAssignmentReader(db: DynamoDBDocumentClient, tableName: string): AssignmentStateReader {
  return {
    async read(teamId) {
      let cursor: RoundRobinCursor | undefined;
      const open: Record<string, number> = {};
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': teamPk(teamId) },
        ConsistentRead: true,
      });
      for (const item of items) {
        const sk = String(item.sk);
        if (sk === cursorKey(teamId).sk) {
          cursor = { lastMemberId: String(item.lastMemberId), seq: Number(item.seq) };
        } else if (sk.startsWith(openCounterSkPrefix)) {
          open[sk.slice(openCounterSkPrefix.length)] = Number(item.open ?? 0);
        }
      }
      return cursor ? { cursor, open } : { open };
    },
  };
}

interface Built {
  items: TransactItem[];
  /** Index of the item whose failed condition means "triaged before". */
  duplicateAt: number[];
  /** Index of the cursor update, if any. */
  cursorAt: number | undefined;
  /** Index of the case reference's claim, if any. */
  refAt: number | undefined;
}

/** The transaction for one triage result (exported for tests and the item-count guard). */
export function triageTransaction(tableName: string, retentionDays: number, w: TriageWrite): Built {
  const items: TransactItem[] = [];
  const duplicateAt: number[] = [];
  let cursorAt: number | undefined;
  let refAt: number | undefined;
  const now = w.at.toISOString();

  duplicateAt.push(items.length);
  items.push({
    Put: {
      TableName: tableName,
      Item: toTriageMarkerItem(w.marker, retentionDays),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });

  if (w.opened) {
    const { case: theCase, events, assignment, timer } = w.opened;
    duplicateAt.push(items.length);
    items.push({
      Put: {
        TableName: tableName,
        Item: { ...toCaseItem(theCase), ...timer },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    const { ref } = theCase;
    if (ref !== undefined) {
      refAt = items.length;
      items.push({
        Put: {
          TableName: tableName,
          Item: toCaseRefItem({ ...theCase, ref }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    events.forEach((event, seq) => {
      items.push({ Put: { TableName: tableName, Item: toEventItem(theCase.caseId, event, seq) } });
    });
    if (assignment.cursor) {
      const { expectedSeq, next } = assignment.cursor;
      cursorAt = items.length;
      items.push({
        Update: {
          TableName: tableName,
          Key: cursorKey(assignment.teamId),
          UpdateExpression:
            'SET #type = :type, teamId = :teamId, lastMemberId = :member, #seq = :next, updatedAt = :now',
          ConditionExpression: expectedSeq === undefined ? 'attribute_not_exists(pk)' : '#seq = :expected',
          ExpressionAttributeNames: { '#type': 'type', '#seq': 'seq' },
          ExpressionAttributeValues: {
            ':type': itemTypes.cursor,
            ':teamId': assignment.teamId,
            ':member': next.lastMemberId,
            ':next': next.seq,
            ':now': now,
            ...(expectedSeq === undefined ? {} : { ':expected': expectedSeq }),
          },
        },
      });
    }
    // Kept for every team (not only fewest_open), so switching a team's mode starts from true counts.
    items.push({
      Update: {
        TableName: tableName,
        Key: openCounterKey(assignment.teamId, assignment.memberId),
        UpdateExpression: 'SET #type = :type, teamId = :teamId, memberId = :member ADD #open :one',
        ExpressionAttributeNames: { '#type': 'type', '#open': 'open' },
        ExpressionAttributeValues: {
          ':type': itemTypes.counter,
          ':teamId': assignment.teamId,
          ':member': assignment.memberId,
          ':one': 1,
        },
      },
    });
  }

  for (const counter of w.counters)
    items.push({ Update: metricAddUpdate(tableName, counter, w.marker.feedbackId) });
  for (const o of w.outbox) {
    items.push({ Put: { TableName: tableName, Item: outboxItem(o.id, o.target, o.message, w.at) } });
  }
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new Error(`triage transaction has ${items.length} items (max ${MAX_TRANSACTION_ITEMS})`);
  }
  return { items, duplicateAt, cursorAt, refAt };
}

interface CancellationReason {
  Code?: string;
  Message?: string;
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

export function dynamoTriageStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
): TriageStore {
  return {
    async commit(write) {
      const built = triageTransaction(tableName, retentionDays, write);
      try {
        await db.send(new TransactWriteCommand({ TransactItems: built.items }));
        return 'committed';
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons === undefined) throw error;
        const failed = (i: number | undefined) =>
          i !== undefined && reasons[i]?.Code === 'ConditionalCheckFailed';
        if (built.duplicateAt.some(failed)) return 'duplicate';
        if (failed(built.refAt)) throw new CaseRefTaken(write.opened?.case.ref ?? '');
        if (failed(built.cursorAt)) throw new AssignmentConflict(write.opened?.assignment.teamId ?? '');
        if (reasons.some((r) => r.Code === 'TransactionConflict')) {
          throw new TransactionConflict((error as Error).message);
        }
        throw error;
      }
    },
  };
}
