import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeRelayHandler } from '../../functions/relay/handler.ts';
import { outboxItem } from '../../shared/repository/outbox.ts';

const now = new Date('2026-11-20T00:00:00Z');
const record = (seq: string, item: object, eventName = 'INSERT'): DynamoDBRecord => ({
  eventName: eventName as DynamoDBRecord['eventName'],
  dynamodb: { SequenceNumber: seq, NewImage: marshall(item) as never },
});

function ports(failOn?: string, { stampFails = false } = {}) {
  const sent: unknown[] = [];
  const sentToCustomers: unknown[] = [];
  const published: unknown[] = [];
  const stamped: { id: string; at: string }[] = [];
  return {
    sent,
    sentToCustomers,
    published,
    stamped,
    clock: { now: () => now },
    markRelayed: async (id: string, at: Date) => {
      if (stampFails) throw new Error('table throttled');
      stamped.push({ id, at: at.toISOString() });
    },
    notifyStaff: async (m: Record<string, unknown>) => {
      if (m.noticeId === failOn) throw new Error('queue down');
      sent.push(m);
    },
    notifyCustomer: async (m: Record<string, unknown>) => {
      sentToCustomers.push(m);
    },
    publish: async (e: Record<string, unknown>) => {
      published.push(e);
    },
  };
}

describe('the outbox relay', () => {
  it('sends notify items to the queue and bus items to the bus', async () => {
    const p = ports();
    const relay = makeRelayHandler(p);

    const result = await relay({
      Records: [
        record('1', outboxItem('n1', 'notify', { noticeId: 'n1' }, now)),
        record('2', outboxItem('e1', 'bus', { type: 'case.opened' }, now)),
      ],
    });

    expect(result.batchItemFailures).toEqual([]);
    expect(p.sent).toEqual([{ noticeId: 'n1' }]);
    expect(p.published).toEqual([{ type: 'case.opened' }]);
  });

  it("sends customers' notices to the customer queue and staff notices to the staff queue", async () => {
    const p = ports();
    const relay = makeRelayHandler(p);
    const toCustomer = { noticeId: 'c1', kind: 'customer_received', audience: 'customer' };
    const toStaff = { noticeId: 's1', kind: 'staff_escalation', audience: 'staff' };
    // The kind alone decides too, as notify's customer rules do.
    const customerKindOnly = { noticeId: 'c2', kind: 'customer_resolved' };

    await relay({
      Records: [
        record('1', outboxItem('c1', 'notify', toCustomer, now)),
        record('2', outboxItem('s1', 'notify', toStaff, now)),
        record('3', outboxItem('c2', 'notify', customerKindOnly, now)),
      ],
    });

    expect(p.sentToCustomers).toEqual([toCustomer, customerKindOnly]);
    expect(p.sent).toEqual([toStaff]);
  });

  it('ignores updates, removals and items that are not outbox items', async () => {
    const p = ports();
    const relay = makeRelayHandler(p);

    await relay({
      Records: [
        record('1', outboxItem('n1', 'notify', { noticeId: 'n1' }, now), 'MODIFY'),
        record('2', outboxItem('n2', 'notify', { noticeId: 'n2' }, now), 'REMOVE'),
        record('3', { pk: 'CASE#1', sk: 'CASE', type: 'case' }),
      ],
    });

    expect(p.sent).toEqual([]);
  });

  it('reports the first failure and relays nothing after it, so order holds on retry', async () => {
    const p = ports('n2');
    const relay = makeRelayHandler(p);

    const result = await relay({
      Records: [
        record('1', outboxItem('n1', 'notify', { noticeId: 'n1' }, now)),
        record('2', outboxItem('n2', 'notify', { noticeId: 'n2' }, now)),
        record('3', outboxItem('n3', 'notify', { noticeId: 'n3' }, now)),
      ],
    });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
    expect(p.sent).toEqual([{ noticeId: 'n1' }]);
    expect(p.stamped.map((s) => s.id)).toEqual(['n1']);
  });

  it('stamps each forwarded item relayedAt, so the reconciler leaves it alone', async () => {
    const p = ports();
    const relay = makeRelayHandler(p);

    await relay({
      Records: [
        record('1', outboxItem('notice:n1', 'notify', { noticeId: 'n1' }, now)),
        record('2', outboxItem('event:e1', 'bus', { type: 'case.opened' }, now)),
        record('3', { pk: 'CASE#1', sk: 'CASE', type: 'case' }),
      ],
    });

    expect(p.stamped).toEqual([
      { id: 'notice:n1', at: now.toISOString() },
      { id: 'event:e1', at: now.toISOString() },
    ]);
  });

  it('does not fail a forwarded record whose stamp fails (a retry would send it again now)', async () => {
    const p = ports(undefined, { stampFails: true });
    const relay = makeRelayHandler(p);

    const result = await relay({
      Records: [
        record('1', outboxItem('n1', 'notify', { noticeId: 'n1' }, now)),
        record('2', outboxItem('n2', 'notify', { noticeId: 'n2' }, now)),
      ],
    });

    expect(result.batchItemFailures).toEqual([]);
    expect(p.sent).toEqual([{ noticeId: 'n1' }, { noticeId: 'n2' }]);
  });
});
