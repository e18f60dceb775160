/**
 * DynamoDB adapters of the SLA sweep's ports: the timers index reader and the case store that
 * loads a case with its timeline and writes one step per transaction.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Case } from '../domain/case.ts';
import type { TimerFields } from '../domain/sla.ts';
import type { SlaStore, StepOutcome, StepWrite, StoredCase, TimerIndex } from '../domain/sla-ports.ts';
import {
  caseFromItem,
  caseKey,
  casePk,
  eventFromItem,
  eventSkPrefix,
  toEventItem,
} from '../repository/case-item.ts';
import { outboxItem } from '../repository/outbox.ts';
import { caseFieldsUpdate } from './case-update.ts';
import { conditionHeld, deleteKeys, dueTimerPages, queryAll, readContact, updateIf } from './dynamo.ts';
import { metricAddUpdate } from './metric-update.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Sort-key sequence of the events the sweep writes (`EVENT#<at>#9n`, n = the step's index in the
 * run): above what triage or a staff action writes in one millisecond, so an SLA event does not
 * collide with theirs, and steps fired in one run (same `at`) keep their order.
 */
export const SLA_EVENT_SEQ = 90;

export function dynamoTimerIndex(db: DynamoDBDocumentClient, tableName: string): TimerIndex {
  return {
    async due(shard, dueBy, onPage) {
      for await (const page of dueTimerPages(db, tableName, shard, dueBy)) {
        const caseIds = page.items
          .filter((item) => item.sk === 'CASE' && typeof item.pk === 'string')
          .map((item) => (item.pk as string).slice(casePk('').length));
        await onPage({ caseIds, count: page.count, scannedCount: page.scannedCount });
      }
    },
  };
}

function splitTimer(item: Record<string, unknown>): {
  rest: Record<string, unknown>;
  timer: Partial<TimerFields>;
} {
  const { timerShard, dueAt, dueStep, ...rest } = item;
  const timer: Partial<TimerFields> = {};
  if (typeof timerShard === 'string') timer.timerShard = timerShard;
  if (typeof dueAt === 'string') timer.dueAt = dueAt;
  if (typeof dueStep === 'string') timer.dueStep = dueStep;
  return { rest, timer };
}

/** The case update of a sweep step, on the version and the step read. */
function caseUpdate(
  tableName: string,
  caseId: string,
  expected: { version: number; dueStep: string | undefined },
  set: Partial<Case>,
  timer: TimerFields | undefined,
): NonNullable<TransactItem['Update']> {
  const update = caseFieldsUpdate(set, timer);
  const names = { ...update.ExpressionAttributeNames, '#version': 'version', '#dueStep': 'dueStep' };
  const values: Record<string, unknown> = {
    ...update.ExpressionAttributeValues,
    ':expectedVersion': expected.version,
  };
  let condition = 'attribute_exists(pk) AND #version = :expectedVersion AND ';
  if (expected.dueStep === undefined) condition += 'attribute_not_exists(#dueStep)';
  else {
    values[':expectedDueStep'] = expected.dueStep;
    condition += '#dueStep = :expectedDueStep';
  }
  return {
    TableName: tableName,
    Key: caseKey(caseId),
    UpdateExpression: update.UpdateExpression,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The transaction of one step (exported for tests). Item 0 is the conditional case update. */
export function stepTransaction(tableName: string, w: StepWrite): TransactItem[] {
  const items: TransactItem[] = [{ Update: caseUpdate(tableName, w.caseId, w.expected, w.set, w.timer) }];
  items.push({
    Put: {
      TableName: tableName,
      Item: toEventItem(w.caseId, w.event, SLA_EVENT_SEQ + w.eventIndex),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  for (const o of w.outbox) {
    items.push({ Put: { TableName: tableName, Item: outboxItem(o.id, o.target, o.message, w.at) } });
  }
  for (const counter of w.counters) items.push({ Update: metricAddUpdate(tableName, counter, w.caseId) });
  return items;
}

interface CancellationReason {
  Code?: string;
}

export function dynamoSlaStore(db: DynamoDBDocumentClient, tableName: string): SlaStore {
  return {
    async load(caseId) {
      let caseItem: Record<string, unknown> | undefined;
      const events: Record<string, unknown>[] = [];
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': casePk(caseId) },
        ConsistentRead: true,
      });
      for (const item of items) {
        if (item.sk === 'CASE') caseItem = item;
        else if (typeof item.sk === 'string' && item.sk.startsWith(eventSkPrefix)) events.push(item);
      }
      if (caseItem === undefined) return undefined;
      const { rest, timer } = splitTimer(caseItem);
      const stored: StoredCase = { case: caseFromItem(rest), timeline: events.map(eventFromItem), timer };
      return stored;
    },

    contact: (feedbackId) => readContact(db, tableName, feedbackId),

    async commit(write): Promise<StepOutcome> {
      const items = stepTransaction(tableName, write);
      try {
        await db.send(new TransactWriteCommand({ TransactItems: items }));
        return 'committed';
      } catch (error) {
        if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') throw error;
        const reasons =
          (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'lost';
        if (reasons.some((r) => r.Code === 'TransactionConflict' || r.Code === 'ConditionalCheckFailed')) {
          return 'conflict';
        }
        throw error;
      }
    },

    async purge(caseId, expected) {
      const keys = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ProjectionExpression: 'pk, sk',
        ExpressionAttributeValues: { ':pk': casePk(caseId) },
        ConsistentRead: true,
      });
      await deleteKeys(db, tableName, keys.filter((k) => k.sk !== 'CASE') as { pk: string; sk: string }[]);
      // The case item last, on the version read: while it stands, its purge timer stays due and
      // the next sweep deletes what a stopped run left. No claim before (a claim is a write of
      // the case and its index entry, a third of the purge's cost): a staff write to a case
      // closed for a year, landing in the milliseconds between, keeps the case without the old
      // timeline, which was due to go anyway.
      const deleted = await conditionHeld(
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: caseKey(caseId),
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': expected.version },
          }),
        ),
      );
      return deleted ? 'committed' : 'lost';
    },

    async retime(caseId, expected, timer) {
      // Only the timer moves: no new version, no event (nothing about the case changed).
      const moved = await updateIf(db, caseUpdate(tableName, caseId, expected, {}, timer));
      return moved ? 'committed' : 'lost';
    },
  };
}
