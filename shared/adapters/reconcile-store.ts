import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ArrivalLedger, OutboxMarks } from '../domain/delivery-ports.ts';
import type { OutboxEntry } from '../domain/outbox.ts';
import {
  type ArrivalKind,
  arrivalPartitions,
  type ReconcileCheckpointItem,
  reconcileCheckpointKey,
} from '../repository/arrival.ts';
import { feedbackIdOf } from '../repository/feedback-item.ts';
import { outboxIdOf, outboxKey } from '../repository/outbox.ts';
import { triageMarkerKey } from '../repository/triage-marker.ts';
import { itemTypes, table } from '../table.ts';
import { batchGetAll, queryAll, updateIf } from './dynamo.ts';

const index = table.arrivalsIndex;

/** The relay's and the reconciler's stamp on an outbox item they handed on. */
export function dynamoOutboxMarks(db: DynamoDBDocumentClient, tableName: string): OutboxMarks {
  return {
    async markRelayed(id, at) {
      // An item deleted since (erasure, TTL) is not brought back as a stub.
      await updateIf(db, {
        TableName: tableName,
        Key: outboxKey(id),
        UpdateExpression: 'SET relayedAt = if_not_exists(relayedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      });
    },
  };
}

/** The reconciler's view of the table: the arrivals index, triage markers, outbox items, its checkpoint. */
export function dynamoArrivalLedger(db: DynamoDBDocumentClient, tableName: string): ArrivalLedger {
  /** The `pk`s that arrived in [from, to): one Query per shard of that hour, all at once. */
  const arrived = async (kind: ArrivalKind, from: string, to: string): Promise<string[]> => {
    const last = new Date(Date.parse(to) - 1).toISOString();
    const pages = await Promise.all(
      arrivalPartitions(kind, from).map((partition) =>
        queryAll(db, {
          TableName: tableName,
          IndexName: index.name,
          KeyConditionExpression: '#hour = :hour AND #at BETWEEN :from AND :last',
          ExpressionAttributeNames: { '#hour': index.partitionKey, '#at': index.sortKey },
          ExpressionAttributeValues: { ':hour': partition, ':from': from, ':last': last },
        }),
      ),
    );
    return pages.flat().map((item) => item.pk as string);
  };
  return {
    async checkpoint() {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: reconcileCheckpointKey, ConsistentRead: true }),
      );
      return (Item as ReconcileCheckpointItem | undefined)?.through;
    },
    async advance(through) {
      // Only forward: a run that lost a race to one further ahead leaves that one's checkpoint.
      await updateIf(db, {
        TableName: tableName,
        Key: reconcileCheckpointKey,
        UpdateExpression: 'SET #through = :through, #type = :type',
        ConditionExpression: 'attribute_not_exists(#through) OR #through < :through',
        ExpressionAttributeNames: { '#through': 'through', '#type': 'type' },
        ExpressionAttributeValues: { ':through': through, ':type': itemTypes.checkpoint },
      });
    },
    async untriaged(from, to) {
      const feedbackIds = (await arrived('FEEDBACK', from, to)).map(feedbackIdOf);
      const markers = await batchGetAll(db, tableName, feedbackIds.map(triageMarkerKey), ['pk']);
      const triaged = new Set(markers.map((m) => m.pk as string));
      return {
        checked: feedbackIds.length,
        waiting: feedbackIds.filter((id) => !triaged.has(triageMarkerKey(id).pk)),
      };
    },
    async unrelayed(from, to) {
      const pks = await arrived('OUTBOX', from, to);
      const items = await batchGetAll(
        db,
        tableName,
        pks.map((pk) => outboxKey(outboxIdOf(pk))),
        ['pk', 'target', 'message', 'relayedAt'],
      );
      const waiting: OutboxEntry[] = items
        .filter((item) => item.relayedAt === undefined)
        .map((item) => ({
          id: outboxIdOf(item.pk as string),
          target: item.target as OutboxEntry['target'],
          message: item.message as Record<string, unknown>,
        }));
      return { checked: pks.length, waiting };
    },
  };
}
