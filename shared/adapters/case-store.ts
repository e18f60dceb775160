/**
 * The case store (shared/domain/staff-ports.ts): cases with their timeline, read by key and by
 * the cases-by-team index, and written as one transaction per change.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Case } from '../domain/case.ts';
import type { CaseCommitResult, CaseWrite, LoadedCase, StaffCaseStore } from '../domain/staff-ports.ts';
import {
  caseFromItem,
  caseIdOfRefItem,
  caseKey,
  casePk,
  caseRefKey,
  caseTeamKey,
  eventFromItem,
  eventSkPrefix,
} from '../repository/case-item.ts';
import { feedbackKey, fromItem } from '../repository/feedback-item.ts';
import { tokenKey } from '../repository/notice-item.ts';
import { outboxItem, outboxKey } from '../repository/outbox.ts';
import { problemCaseKey, problemLinkUpdate, toProblemCaseItem } from '../repository/problem-item.ts';
import { openCounterKey } from '../repository/team-item.ts';
import { itemTypes, table } from '../table.ts';
import { caseFieldsUpdate } from './case-update.ts';
import { getConsistent, queryAll, queryPages, readContact } from './dynamo.ts';
import { metricAddUpdate } from './metric-update.ts';
import { cancellationCodes, type TransactItem, transactWithEvent } from './notice-store.ts';

type Item = Record<string, unknown>;

/** The case update of a change: `SET` the changed fields and the timer (or `REMOVE` it), on the version read. */
function caseUpdate(tableName: string, w: CaseWrite): NonNullable<TransactItem['Update']> {
  const update = caseFieldsUpdate(w.set, w.timer);
  return {
    TableName: tableName,
    Key: caseKey(w.caseId),
    ...update,
    ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
    ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#version': 'version' },
    ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':expectedVersion': w.expectedVersion },
  };
}

/** The transaction of one case change, without its events (transactWithEvent adds them). */
export function caseChangeItems(
  tableName: string,
  w: CaseWrite,
): { items: TransactItem[]; tokenAt?: number } {
  const items: TransactItem[] = [{ Update: caseUpdate(tableName, w) }];
  let tokenAt: number | undefined;
  if (w.singleUse) {
    tokenAt = items.length;
    items.push({
      Put: {
        TableName: tableName,
        Item: {
          ...tokenKey(w.singleUse.jti),
          type: itemTypes.token,
          jti: w.singleUse.jti,
          usedAt: w.at.toISOString(),
          act: w.singleUse.act,
          caseId: w.caseId,
          // Kept a day past the link's own expiry; after that the link is refused as expired anyway.
          expiresAt: w.singleUse.expiresAt + 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  for (const o of w.outbox) {
    items.push({ Put: { TableName: tableName, Item: outboxItem(o.id, o.target, o.message, w.at) } });
  }
  for (const counter of w.counters) items.push({ Update: metricAddUpdate(tableName, counter, w.caseId) });
  for (const c of w.openCounters) {
    items.push({
      Update: {
        TableName: tableName,
        Key: openCounterKey(c.teamId, c.memberId),
        UpdateExpression: 'SET #type = :type, teamId = :teamId, memberId = :member ADD #open :delta',
        ExpressionAttributeNames: { '#type': 'type', '#open': 'open' },
        ExpressionAttributeValues: {
          ':type': itemTypes.counter,
          ':teamId': c.teamId,
          ':member': c.memberId,
          ':delta': c.delta,
        },
      },
    });
  }
  if (w.link) {
    items.push({
      Put: {
        TableName: tableName,
        Item: toProblemCaseItem({
          problemId: w.link.problemId,
          caseId: w.caseId,
          teamId: w.link.teamId,
          touchpoint: w.link.touchpoint,
          siteId: w.link.siteId,
          ...(w.link.customerRef ? { customerRef: w.link.customerRef } : {}),
          linkedAt: w.at.toISOString(),
          linkedBy: w.link.linkedBy,
        }),
      },
    });
    items.push({ Update: problemLinkUpdate(tableName, w.link.problemId, w.link) });
  }
  for (const r of w.redactions ?? []) {
    items.push({
      Update: {
        TableName: tableName,
        Key: { pk: casePk(w.caseId), sk: r.key },
        UpdateExpression: 'SET #data = :data',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':data': r.data },
      },
    });
  }
  if (w.unlinkCustomerFrom) {
    items.push({
      Update: {
        TableName: tableName,
        Key: problemCaseKey(w.unlinkCustomerFrom, w.caseId),
        UpdateExpression: 'REMOVE customerRef',
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  }
  for (const id of w.outboxDeletes ?? []) {
    items.push({ Delete: { TableName: tableName, Key: outboxKey(id) } });
  }
  return { items, ...(tokenAt !== undefined ? { tokenAt } : {}) };
}

export function dynamoStaffCaseStore(db: DynamoDBDocumentClient, tableName: string): StaffCaseStore {
  const index = table.casesByTeamIndex;
  return {
    async load(caseId) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': casePk(caseId) },
        ConsistentRead: true,
      });
      let caseItem: Item | undefined;
      const events: Item[] = [];
      for (const item of items) {
        if (item.sk === 'CASE') caseItem = item;
        else if (typeof item.sk === 'string' && item.sk.startsWith(eventSkPrefix)) events.push(item);
      }
      if (caseItem === undefined) return undefined;
      const { timerShard, dueAt, dueStep, ...rest } = caseItem;
      const loaded: LoadedCase = {
        case: caseFromItem(rest),
        timeline: events.map(eventFromItem),
        eventKeys: events.map((e) => String(e.sk)),
        timer: {
          ...(typeof timerShard === 'string' ? { timerShard } : {}),
          ...(typeof dueAt === 'string' ? { dueAt } : {}),
          ...(typeof dueStep === 'string' ? { dueStep } : {}),
        },
      };
      return loaded;
    },

    async commit(write): Promise<CaseCommitResult> {
      const { items, tokenAt } = caseChangeItems(tableName, write);
      try {
        const result = await transactWithEvent(db, tableName, items, write.caseId, write.events);
        if (result === 'ok') return 'committed';
        if (result === 'case_missing') return 'stale';
        if (result[0] === 'ConditionalCheckFailed') return 'stale';
        if (tokenAt !== undefined && result[tokenAt] === 'ConditionalCheckFailed') return 'token_used';
        return 'conflict';
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.includes('TransactionConflict')) return 'conflict';
        throw error;
      }
    },

    async list(q) {
      const names: Record<string, string> = { '#team': index.partitionKey };
      const values: Record<string, unknown> = { ':team': caseTeamKey(q.teamId) };
      const filters: string[] = [];
      if (q.statuses?.length) {
        names['#status'] = 'status';
        const keys = q.statuses.map((s, i) => {
          values[`:s${i}`] = s;
          return `:s${i}`;
        });
        filters.push(`#status IN (${keys.join(', ')})`);
      }
      if (q.severity) {
        names['#severity'] = 'severity';
        values[':severity'] = q.severity;
        filters.push('#severity = :severity');
      }
      if (q.assigneeId) {
        values[':assignee'] = q.assigneeId;
        filters.push('assigneeId = :assignee');
      }
      if (q.overdue !== undefined) {
        // Overdue: not acknowledged by acknowledgeBy, or acknowledged and not resolved by resolveBy
        // (a paused case's resolve clock stands still; resolved and closed cases are never overdue).
        names['#status'] = 'status';
        Object.assign(values, {
          ':open': 'open',
          ':reopened': 'reopened',
          ':ack': 'acknowledged',
          ':now': q.now,
        });
        const overdue =
          '((#status IN (:open, :reopened) AND acknowledgeBy < :now) OR (#status = :ack AND resolveBy < :now))';
        filters.push(q.overdue ? overdue : `NOT ${overdue}`);
      }
      const items: Case[] = [];
      let reads = 0;
      let lastKey: Item | undefined;
      const pages = queryPages(
        db,
        {
          TableName: tableName,
          IndexName: index.name,
          KeyConditionExpression: '#team = :team',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
        },
        // Never more matches than still wanted: the page's last key is then exactly where to go on.
        { startKey: q.startKey, limit: q.limit, maxReads: q.maxReads },
      );
      for await (const page of pages) {
        reads += 1;
        lastKey = page.lastKey;
        for (const item of page.items) {
          const { timerShard: _s, dueAt: _d, dueStep: _t, ...rest } = item;
          items.push(caseFromItem(rest));
        }
      }
      return { items, reads, ...(lastKey ? { lastKey: lastKey as Record<string, string> } : {}) };
    },

    async caseIdOfRef(ref) {
      const Item = await getConsistent(db, tableName, caseRefKey(ref));
      return Item ? caseIdOfRefItem(Item) : undefined;
    },

    async feedback(feedbackId) {
      const Item = await getConsistent(db, tableName, feedbackKey(feedbackId));
      return Item ? fromItem(Item) : undefined;
    },

    contact: (feedbackId) => readContact(db, tableName, feedbackId),

    async tokenUsed(jti) {
      const Item = await getConsistent(db, tableName, tokenKey(jti));
      return Item !== undefined;
    },
  };
}
