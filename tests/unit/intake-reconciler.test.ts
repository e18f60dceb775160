import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { FIRST_RUN_LOOKBACK_MS, reconcileIntake } from '../../core/delivery/reconcile.ts';
import { makeReconcilerHandler } from '../../functions/intake-reconciler/handler.ts';
import { batchGetAll } from '../../shared/adapters/dynamo.ts';
import { dynamoOutboxMarks } from '../../shared/adapters/reconcile-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { ArrivalLedger } from '../../shared/domain/delivery-ports.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';
import { HOUR_MS, MINUTE_MS } from '../../shared/domain/time.ts';
import { arrivalFields, arrivalPartitions } from '../../shared/repository/arrival.ts';

const now = new Date('2026-11-24T05:30:00.000Z');

/** An in-memory ledger: what arrived when, which feedback is triaged, which outbox items went. */
function ledger(arrivals: {
  feedback?: Record<string, string>;
  outbox?: Record<string, OutboxEntry & { at: string }>;
}) {
  const triaged = new Set<string>();
  const relayed = new Set<string>();
  const reads: string[] = [];
  let through: string | undefined;
  const within = (at: string, from: string, to: string) => at >= from && at < to;
  const port: ArrivalLedger = {
    checkpoint: async () => through,
    advance: async (t) => {
      if (through === undefined || through < t) through = t;
    },
    untriaged: async (from, to) => {
      reads.push(`${from}..${to}`);
      const ids = Object.entries(arrivals.feedback ?? {})
        .filter(([, at]) => within(at, from, to))
        .map(([id]) => id);
      return { checked: ids.length, waiting: ids.filter((id) => !triaged.has(id)) };
    },
    unrelayed: async (from, to) => {
      const entries = Object.values(arrivals.outbox ?? {}).filter((e) => within(e.at, from, to));
      return {
        checked: entries.length,
        waiting: entries.filter((e) => !relayed.has(e.id)).map(({ at: _at, ...e }) => e),
      };
    },
  };
  return { port, triaged, relayed, reads, checkpoint: () => through };
}

function deps(l: ReturnType<typeof ledger>, clock = new VirtualClock(now)) {
  const queued: string[] = [];
  const sent: string[] = [];
  return {
    queued,
    sent,
    clock,
    reconcile: {
      ledger: l.port,
      clock,
      triage: async (m: { feedbackId: string }) => {
        queued.push(m.feedbackId);
        l.triaged.add(m.feedbackId);
      },
      targets: {
        notifyStaff: async (m: Record<string, unknown>) => void sent.push(`staff ${m.noticeId}`),
        notifyCustomer: async (m: Record<string, unknown>) => void sent.push(`customer ${m.noticeId}`),
        publish: async (e: Record<string, unknown>) => void sent.push(`bus ${e.type}`),
      },
      marks: { markRelayed: async (id: string) => void l.relayed.add(id) },
    },
  };
}

const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * MINUTE_MS).toISOString();

describe('the intake reconciler use case', () => {
  it('re-queues feedback over 10 minutes old without a marker and forwards unrelayed outbox items to their targets', async () => {
    const l = ledger({
      feedback: { fb_old: at(30), fb_young: at(5) },
      outbox: {
        n1: {
          id: 'notice:n1',
          target: 'notify',
          message: { noticeId: 'n1', audience: 'customer' },
          at: at(20),
        },
        n2: { id: 'notice:n2', target: 'notify', message: { noticeId: 'n2', audience: 'staff' }, at: at(20) },
        e1: { id: 'event:e1', target: 'bus', message: { type: 'case.opened' }, at: at(20) },
      },
    });
    const d = deps(l);

    const result = await reconcileIntake(d.reconcile);

    expect(d.queued).toEqual(['fb_old']);
    expect(d.sent.sort()).toEqual(['bus case.opened', 'customer n1', 'staff n2']);
    expect([...l.relayed].sort()).toEqual(['event:e1', 'notice:n1', 'notice:n2']);
    expect(result).toMatchObject({
      feedbackRequeued: 1,
      outboxForwarded: 3,
      caughtUp: true,
      through: at(10),
    });
  });

  it('looks back a day on its first run, then reads each hour once from its checkpoint', async () => {
    const l = ledger({});
    const d = deps(l);

    const first = await reconcileIntake(d.reconcile);
    const readsOfFirst = l.reads.splice(0);
    d.clock.advance(HOUR_MS);
    const second = await reconcileIntake(d.reconcile);

    expect(first.from).toBe(new Date(Date.parse(at(10)) - FIRST_RUN_LOOKBACK_MS).toISOString());
    // 24 hours from 05:20 to 05:20: 25 pieces, each within one UTC hour.
    expect(readsOfFirst).toHaveLength(25);
    expect(readsOfFirst[0]).toBe(`${first.from}..2026-11-23T06:00:00.000Z`);
    expect(second.from).toBe(first.through);
    expect(l.reads).toEqual([
      `${at(10)}..2026-11-24T06:00:00.000Z`,
      `2026-11-24T06:00:00.000Z..${second.through}`,
    ]);
  });

  it('stops before an hour when told, leaving the checkpoint for the next run to go on from', async () => {
    const l = ledger({ feedback: { fb_1: at(3 * 60), fb_2: at(30) } });
    const d = deps(l);
    await l.port.advance(at(4 * 60));
    let hours = 0;

    const cut = await reconcileIntake({ ...d.reconcile, shouldStop: () => ++hours > 2 });
    const rest = await reconcileIntake(d.reconcile);

    expect(cut.caughtUp).toBe(false);
    expect(d.queued).toEqual(['fb_1', 'fb_2']);
    expect(rest.from).toBe(cut.through);
    expect(rest).toMatchObject({ caughtUp: true, feedbackRequeued: 1, through: at(10) });
  });
});

describe('functions/intake-reconciler', () => {
  it('stops starting hours when less than its reserve of the invocation is left', async () => {
    const l = ledger({ feedback: { fb_1: at(30) } });
    const d = deps(l);
    const handler = makeReconcilerHandler({ ...d.reconcile, reserveMs: 60_000 });
    const context = { getRemainingTimeInMillis: () => 30_000 } as Context;

    const result = await handler({}, context);

    expect(result.caughtUp).toBe(false);
    expect(d.queued).toEqual([]);
  });
});

describe('the arrivals index keys (shared/repository/arrival.ts)', () => {
  it('puts an item in one of its hour partitions, by a stable hash of its key', () => {
    const fields = arrivalFields(
      'OUTBOX',
      'OUTBOX#notice:c1:customer_received:0',
      '2026-11-24T05:07:08.000Z',
    );

    expect(fields.arrivedAt).toBe('2026-11-24T05:07:08.000Z');
    expect(arrivalPartitions('OUTBOX', '2026-11-24T05:59:59.999Z')).toContain(fields.arrivalHour);
    expect(arrivalPartitions('OUTBOX', '2026-11-24T05:00:00.000Z')).toHaveLength(16);
    expect(arrivalPartitions('FEEDBACK', '2026-11-24T05:00:00.000Z')).not.toContain(fields.arrivalHour);
  });
});

describe('DynamoDB adapters of delivery', () => {
  it('stamps relayedAt once, and never brings back an item erased or expired since', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('gone'), { name: 'ConditionalCheckFailedException' }));

    await expect(dynamoOutboxMarks(db, 't').markRelayed('notice:n1', now)).resolves.toBeUndefined();
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Key: { pk: 'OUTBOX#notice:n1', sk: 'OUTBOX' },
      UpdateExpression: 'SET relayedAt = if_not_exists(relayedAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
    });
    ddb.restore();
  });

  it('reads keys 100 at a time and asks again for those DynamoDB left unprocessed', async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const keys = Array.from({ length: 150 }, (_, i) => ({ pk: `FEEDBACK#${i}`, sk: 'TRIAGED' }));
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [keys[0]!] }, UnprocessedKeys: { t: { Keys: [keys[1]!] } } })
      .resolvesOnce({ Responses: { t: [keys[1]!] } })
      .resolvesOnce({ Responses: { t: [keys[100]!] } });

    const found = await batchGetAll(db, 't', keys, ['pk']);

    const calls = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems!.t!.Keys!.length);
    expect(calls).toEqual([100, 1, 50]);
    expect(found).toEqual([keys[0], keys[1], keys[100]]);
    ddb.restore();
  });
});
