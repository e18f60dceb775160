import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sweepDue } from '../../core/cases/sla-sweep.ts';
import { makeSlaHandler, recordMetrics } from '../../functions/sla/handler.ts';
import { dynamoSlaStore, dynamoTimerIndex } from '../../shared/adapters/sla-store.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import { caseEscalated } from '../../shared/events/case-escalated.ts';
import { noticeRequested } from '../../shared/events/notice-requested.ts';
import { parseNoticeData } from '../../shared/notices/templates.ts';
import { toCaseItem, toEventItem } from '../../shared/repository/case-item.ts';
import { recheckTimerFields, timerShardOf, timerShards } from '../../shared/repository/case-timer.ts';
import { metricShardOf } from '../../shared/repository/metric-item.ts';
import { aCase as caseFixture } from '../support/case-fixture.ts';

const config: Config = loadConfigFile('closeloop.config.example.json');
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();
const openedAt = jst('2026-11-24 09:30');

const ddb = mockClient(DynamoDBDocumentClient);
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
const TABLE = 't';

function aCase(caseId: string, over: Partial<Case> = {}): Case {
  return caseFixture({
    caseId,
    feedbackId: `fb_${caseId}`,
    acknowledgeBy: jst('2026-11-24 11:30'),
    resolveBy: jst('2026-11-25 16:30'),
    version: 3,
    createdAt: openedAt,
    ...over,
  });
}

const ev = (type: TimelineEvent['type'], at: string, data: Record<string, unknown> = {}): TimelineEvent => ({
  type,
  at,
  actor: 'test',
  via: 'test',
  data,
});

interface Stored {
  c: Case;
  timeline: TimelineEvent[];
  dueStep: string;
  dueAt: string;
}

/** What the table holds: cases by id; the timers index listing per shard, split into pages. */
let cases: Map<string, Stored>;
let indexPages: Map<string, string[][]>;
let indexQueries: QueryCommandInput[];

function store(s: Stored) {
  cases.set(s.c.caseId, s);
}

function listDue(shard: string, pages: string[][]) {
  indexPages.set(shard, pages);
}

function mockTable() {
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    if (input.IndexName === 'timers') {
      indexQueries.push(input);
      const shard = input.ExpressionAttributeValues?.[':shard'] as string;
      const pages = indexPages.get(shard) ?? [[]];
      const at = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.page) : 0;
      const ids = pages[at] ?? [];
      return {
        Items: ids.map((id) => ({ pk: `CASE#${id}`, sk: 'CASE', timerShard: shard, dueAt: openedAt })),
        Count: ids.length,
        ScannedCount: ids.length,
        ...(at + 1 < pages.length ? { LastEvaluatedKey: { page: at + 1 } } : {}),
      };
    }
    const id = String(input.ExpressionAttributeValues?.[':pk'] ?? '').slice('CASE#'.length);
    const s = cases.get(id);
    if (!s) return { Items: [], Count: 0 };
    const items = [
      { ...toCaseItem(s.c), timerShard: timerShardOf(id), dueAt: s.dueAt, dueStep: s.dueStep },
      ...s.timeline.map((e, i) => toEventItem(id, e, i)),
    ];
    return { Items: items, Count: items.length };
  });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({ Item: { customer: { email: 'hanako@example.jp', name: '山田 花子' } } });
}

const deps = (over: Partial<Parameters<typeof sweepDue>[1]> = {}) => ({
  timers: dynamoTimerIndex(db, TABLE),
  store: dynamoSlaStore(db, TABLE),
  config,
  backoff: async () => {},
  ...over,
});

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input as TransactWriteCommandInput);
const caseIdOf = (tx: TransactWriteCommandInput) =>
  String(tx.TransactItems?.[0]?.Update?.Key?.pk ?? '').slice(5);

/** An unacknowledged critical case opened Tue 09:30 JST: ack:warn due 11:00, ack:lead 11:30. */
const unacknowledged = (id: string, fired: string[] = []): Stored => ({
  c: aCase(id),
  timeline: [
    ev('opened', openedAt, { receivedAt: openedAt }),
    ev('assigned', openedAt, { teamId: 'orders' }),
    ...fired.map((stepId) => ev(stepId.endsWith('warn') ? 'warned' : 'escalated', openedAt, { stepId })),
  ],
  dueStep: fired.length === 0 ? 'ack:warn' : 'ack:lead',
  dueAt: fired.length === 0 ? jst('2026-11-24 11:00') : jst('2026-11-24 11:30'),
});

beforeEach(() => {
  ddb.reset();
  cases = new Map();
  indexPages = new Map();
  indexQueries = [];
  mockTable();
});

describe('the sweep: reading the timers index', () => {
  it('queries all 16 shards for dueAt <= now and follows LastEvaluatedKey through every page (no cap)', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `case_p${i}`);
    for (const id of ids) store(unacknowledged(id));
    listDue('T#03', [ids.slice(0, 3), ids.slice(3, 5), ids.slice(5)]);
    listDue('T#11', [[]]);

    const result = await sweepDue(new Date(jst('2026-11-24 11:05')), deps());

    expect(new Set(indexQueries.map((q) => q.ExpressionAttributeValues?.[':shard']))).toEqual(
      new Set(timerShards),
    );
    for (const q of indexQueries) {
      expect(q).toMatchObject({
        IndexName: 'timers',
        KeyConditionExpression: '#shard = :shard AND #due <= :now',
        ExpressionAttributeNames: { '#shard': 'timerShard', '#due': 'dueAt' },
        ExpressionAttributeValues: { ':now': jst('2026-11-24 11:05') },
      });
      expect(q.Limit).toBeUndefined();
    }
    expect(indexQueries.filter((q) => q.ExpressionAttributeValues?.[':shard'] === 'T#03')).toHaveLength(3);
    expect(result).toMatchObject({ pages: 16 + 2, count: 7, scannedCount: 7, due: 7, errors: 0 });
    expect(transactions().map(caseIdOf).sort()).toEqual(ids.sort());
    expect(result.fired.map((f) => f.stepId)).toEqual(Array(7).fill('ack:warn'));
  });

  it('processes a case listed twice (two pages, a moving timer) once', async () => {
    store(unacknowledged('case_twice'));
    listDue('T#01', [['case_twice'], ['case_twice']]);
    const result = await sweepDue(new Date(jst('2026-11-24 11:05')), deps());
    expect(result.due).toBe(1);
    expect(transactions()).toHaveLength(1);
  });

  it('keeps at most `concurrency` cases in flight', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `case_c${i}`);
    for (const id of ids) store(unacknowledged(id));
    listDue('T#00', [ids]);
    let inFlight = 0;
    let peak = 0;
    ddb.on(TransactWriteCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return {};
    });
    const result = await sweepDue(new Date(jst('2026-11-24 11:05')), deps({ concurrency: 4 }));
    expect(result.fired).toHaveLength(40);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('the sweep: one step, one transaction', () => {
  it('updates the case on version and due step, appends the event and queues the notice together', async () => {
    store(unacknowledged('case_a'));
    listDue('T#05', [['case_a']]);
    await sweepDue(new Date(jst('2026-11-24 11:00')), deps());

    const [tx] = transactions();
    const [update, event, outbox, ...rest] = tx!.TransactItems!;
    expect(rest).toEqual([]);
    expect(update!.Update).toMatchObject({
      Key: { pk: 'CASE#case_a', sk: 'CASE' },
      ConditionExpression:
        'attribute_exists(pk) AND #version = :expectedVersion AND #dueStep = :expectedDueStep',
      ExpressionAttributeValues: expect.objectContaining({
        ':expectedVersion': 3,
        ':expectedDueStep': 'ack:warn',
        ':version': 4,
        ':updatedAt': jst('2026-11-24 11:00'),
        // The next step goes into the timers index in the same write.
        ':timerShard': timerShardOf('case_a'),
        ':dueStep': 'ack:lead',
        ':dueAt': jst('2026-11-24 11:30'),
      }),
    });
    expect(event!.Put).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'CASE#case_a',
        sk: `EVENT#${jst('2026-11-24 11:00')}#90`,
        eventType: 'warned',
        actor: 'system:sla',
        via: 'sla',
        data: {
          stepId: 'ack:warn',
          clock: 'acknowledge',
          deadline: jst('2026-11-24 11:30'),
          assigneeId: 'ito',
        },
      },
    });
    const ito = config.teams.find((t) => t.id === 'orders')!.members.find((m) => m.id === 'ito')!;
    expect(outbox!.Put?.Item).toMatchObject({
      pk: 'OUTBOX#notice:case_a:staff_pre_breach:ack:warn',
      type: 'outbox',
      target: 'notify',
      message: {
        type: 'notice.requested',
        noticeId: 'case_a:staff_pre_breach:ack:warn',
        kind: 'staff_pre_breach',
        audience: 'staff',
        step: 'ack:warn',
        to: [{ email: ito.email, memberId: 'ito' }],
      },
    });
  });

  it('skips a cancelled transaction (condition failed: another sweep won) silently, without retrying', async () => {
    store(unacknowledged('case_lost'));
    store(unacknowledged('case_won'));
    listDue('T#02', [['case_lost', 'case_won']]);
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      if (caseIdOf(input) === 'case_lost') {
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
        });
      }
      return {};
    });
    const result = await sweepDue(new Date(jst('2026-11-24 11:00')), deps());
    expect(result).toMatchObject({ lost: 1, errors: 0 });
    expect(result.fired.map((f) => f.caseId)).toEqual(['case_won']);
    expect(transactions().filter((t) => caseIdOf(t) === 'case_lost')).toHaveLength(1);
  });

  it('re-reads and tries again when another transaction held the item (TransactionConflict)', async () => {
    store(unacknowledged('case_busy'));
    listDue('T#02', [['case_busy']]);
    let calls = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      calls += 1;
      if (calls === 1) {
        throw Object.assign(new Error('conflict'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }],
        });
      }
      return {};
    });
    const result = await sweepDue(new Date(jst('2026-11-24 11:00')), deps());
    expect(calls).toBe(2);
    expect(result.fired).toHaveLength(1);
  });

  it('fires every step that is due, in order, in one run (after an outage)', async () => {
    store(unacknowledged('case_late'));
    listDue('T#07', [['case_late']]);
    const result = await sweepDue(new Date(jst('2026-11-24 12:45')), deps());
    expect(result.fired.map((f) => [f.stepId, f.level, f.lagMs])).toEqual([
      ['ack:warn', undefined, 105 * 60_000],
      ['ack:lead', 'lead', 75 * 60_000],
      ['ack:manager', 'manager', 15 * 60_000],
    ]);
    const txs = transactions();
    expect(
      txs.map((t) => t.TransactItems![0]!.Update!.ExpressionAttributeValues![':expectedVersion']),
    ).toEqual([3, 4, 5]);
    expect(txs.map((t) => t.TransactItems![1]!.Put!.Item!.sk)).toEqual([
      `EVENT#${jst('2026-11-24 12:45')}#90`,
      `EVENT#${jst('2026-11-24 12:45')}#91`,
      `EVENT#${jst('2026-11-24 12:45')}#92`,
    ]);
    expect(txs[2]!.TransactItems![0]!.Update!.ExpressionAttributeValues).toMatchObject({
      ':escalationLevel': 2,
      ':dueStep': 'ack:executive',
    });
    const escalation = txs[1]!.TransactItems![2]!.Put!.Item!.message;
    expect(escalation).toMatchObject({
      kind: 'staff_escalation',
      noticeId: 'case_late:staff_escalation:ack:lead',
      to: [{ memberId: 'tanaka' }],
      data: {
        level: 'lead',
        rung: 1,
        escalationLevel: 1,
        clock: 'acknowledge',
        deadline: jst('2026-11-24 11:30'),
        assigneeId: 'ito',
        assigneeName: expect.any(String),
        teamName: expect.any(String),
        timeZone: 'Asia/Tokyo',
      },
    });
  });

  it("publishes case.escalated for each rung (not for the warning) in the rung's own transaction", async () => {
    store(unacknowledged('case_esc'));
    listDue('T#07', [['case_esc']]);
    await sweepDue(new Date(jst('2026-11-24 12:45')), deps());
    const busEvents = transactions().map((t) =>
      t
        .TransactItems!.filter((i) => i.Put?.Item?.type === 'outbox' && i.Put.Item.target === 'bus')
        .map((i) => [i.Put!.Item!.pk, i.Put!.Item!.message]),
    );
    expect(busEvents[0]).toEqual([]); // ack:warn
    expect(busEvents[1]).toEqual([
      [
        'OUTBOX#event:case.escalated:case_esc:ack:lead',
        expect.objectContaining({
          type: 'case.escalated',
          level: 'lead',
          clock: 'acknowledge',
          escalationLevel: 1,
        }),
      ],
    ]);
    expect(busEvents[2]?.[0]?.[1]).toMatchObject({ stepId: 'ack:manager', escalationLevel: 2 });
    for (const [, event] of busEvents.flat())
      expect(caseEscalated.schema.safeParse(event).success).toBe(true);
  });

  it('sends the executive rung to config.executives and then removes the timer (sparse index)', async () => {
    store(unacknowledged('case_exec', ['ack:warn', 'ack:lead', 'ack:manager']));
    listDue('T#07', [['case_exec']]);
    await sweepDue(new Date(jst('2026-11-24 13:30')), deps());
    const [tx] = transactions();
    expect(tx!.TransactItems![0]!.Update!.UpdateExpression).toMatch(/ REMOVE #timerShard, #dueAt, #dueStep$/);
    expect(tx!.TransactItems![2]!.Put!.Item!.message.to.map((r: { email: string }) => r.email)).toEqual(
      config.executives.map((e) => e.email),
    );
  });
});

describe('the sweep: stale timers and nothing to do', () => {
  it('moves a stale timer (the case was acknowledged by a writer that left the timer) without firing', async () => {
    const s = unacknowledged('case_stale', ['ack:warn']);
    s.c = { ...s.c, status: 'acknowledged' };
    s.timeline.push(ev('acknowledged', jst('2026-11-24 11:10')));
    store(s);
    listDue('T#04', [['case_stale']]);
    const result = await sweepDue(new Date(jst('2026-11-24 11:30')), deps());
    expect(transactions()).toHaveLength(0);
    expect(result).toMatchObject({ retimed: 1, fired: [] });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update).toMatchObject({
      ConditionExpression:
        'attribute_exists(pk) AND #version = :expectedVersion AND #dueStep = :expectedDueStep',
      ExpressionAttributeValues: {
        ':expectedVersion': 3,
        ':expectedDueStep': 'ack:lead',
        ':dueStep': 'res:warn',
      },
    });
    expect(update.UpdateExpression).not.toMatch(/#version =|#updatedAt/);
  });

  it('does nothing for a case whose timer already moved on (the index lags the table)', async () => {
    const s = unacknowledged('case_done', ['ack:warn']);
    store(s);
    listDue('T#04', [['case_done']]);
    const result = await sweepDue(new Date(jst('2026-11-24 11:10')), deps());
    expect(result).toMatchObject({ idle: 1, retimed: 0, fired: [] });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('counts an error on one case and goes on with the others', async () => {
    store(unacknowledged('case_ok'));
    store({
      ...unacknowledged('case_bad'),
      c: aCase('case_bad', { teamId: 'gone', severity: 'nope' as never }),
    });
    listDue('T#09', [['case_bad', 'case_ok']]);
    const result = await sweepDue(new Date(jst('2026-11-24 11:00')), deps());
    expect(result.errors).toBe(1);
    expect(result.fired.map((f) => f.caseId)).toEqual(['case_ok']);
  });
});

describe('the sweep: follow-up and auto-close', () => {
  const resolvedCase = (id: string, over: Partial<Case> = {}, extra: TimelineEvent[] = []): Stored => ({
    c: aCase(id, { status: 'resolved', ...over }),
    timeline: [
      ev('opened', openedAt, { receivedAt: openedAt, reasons: ['payment_method_unavailable'] }),
      ev('assigned', openedAt, { teamId: 'orders' }),
      ev('acknowledged', jst('2026-11-24 10:00')),
      ev('resolved', jst('2026-11-24 16:00')),
      ...extra,
    ],
    dueStep: extra.length ? 'auto_close' : 'follow_up',
    dueAt: jst('2026-12-01 16:00'),
  });

  it('sends the follow-up survey to the customer from the stored feedback', async () => {
    store(resolvedCase('case_fu'));
    listDue('T#06', [['case_fu']]);
    await sweepDue(new Date(jst('2026-12-01 16:00')), deps());
    const [tx] = transactions();
    expect(tx!.TransactItems![1]!.Put!.Item).toMatchObject({
      eventType: 'follow_up_sent',
      data: { stepId: 'follow_up', notice: 'requested', respondBy: jst('2026-12-08 16:00') },
    });
    expect(tx!.TransactItems![2]!.Put!.Item!.message).toMatchObject({
      kind: 'customer_follow_up',
      audience: 'customer',
      noticeId: 'case_fu:customer_follow_up:follow_up',
      to: [{ email: 'hanako@example.jp', name: '山田 花子', locale: 'ja' }],
      data: { caseId: 'case_fu', resolvedAt: jst('2026-11-24 16:00'), respondBy: jst('2026-12-08 16:00') },
    });
    expect(tx!.TransactItems![0]!.Update!.ExpressionAttributeValues).toMatchObject({
      ':dueStep': 'auto_close',
      ':dueAt': jst('2026-12-08 16:00'),
    });
  });

  it('sends no customer email without contact consent', async () => {
    store(resolvedCase('case_nc', { contactConsent: false }));
    // Without consent the case goes straight to auto-close after delay + close days.
    listDue('T#06', [['case_nc']]);
    await sweepDue(new Date(jst('2026-12-08 16:00')), deps());
    const [tx] = transactions();
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(tx!.TransactItems!.some((i) => i.Put?.Item?.type === 'outbox')).toBe(false);
  });

  it('closes an unanswered case as unverified, counts it, and leaves only its purge in the timers index', async () => {
    store(
      resolvedCase('case_ac', {}, [ev('follow_up_sent', jst('2026-12-01 16:00'), { stepId: 'follow_up' })]),
    );
    listDue('T#06', [['case_ac']]);
    const result = await sweepDue(new Date(jst('2026-12-08 16:00')), deps());
    expect(result.fired.map((f) => f.kind)).toEqual(['auto_close']);
    const [tx] = transactions();
    const [update, event, ...counters] = tx!.TransactItems!;
    expect(update!.Update!.ExpressionAttributeValues).toMatchObject({ ':status': 'closed' });
    // Kept 400 days (closedCaseRetentionDays) after the close, then deleted by a sweep.
    expect(update!.Update!.ExpressionAttributeValues).toMatchObject({
      ':dueStep': 'purge',
      ':dueAt': '2028-01-12T07:00:00.000Z',
    });
    expect(event!.Put!.Item).toMatchObject({
      eventType: 'closed',
      data: { stepId: 'auto_close', reason: 'unverified', followUpSentAt: jst('2026-12-01 16:00') },
    });
    // touchpoint, channel and team together, and the reason, in the week the feedback arrived, on the case's shard.
    const shard = metricShardOf('case_ac');
    expect(counters.map((c) => c.Update!.Key)).toEqual([
      { pk: 'METRIC#combined#2026-W48', sk: `KEY#checkout_abandonment|web|orders#${shard}` },
      { pk: 'METRIC#reason#2026-W48', sk: `KEY#payment_method_unavailable#${shard}` },
    ]);
    expect(counters[0]!.Update!.UpdateExpression).toMatch(
      /ADD .*#closed :closed.*#closedUnverified :closedUnverified/,
    );
  });
});

describe('the handler', () => {
  it('sweeps at the clock, stops starting cases near the timeout and reports the run', async () => {
    store(unacknowledged('case_h1'));
    store(unacknowledged('case_h2'));
    listDue('T#08', [['case_h1', 'case_h2']]);
    let remaining = 20_000;
    const handler = makeSlaHandler({ ...deps(), clock: { now: () => new Date(jst('2026-11-24 11:00')) } });
    const summary = await handler(undefined, {
      getRemainingTimeInMillis: () => (remaining -= 7_000),
    } as never);
    expect(summary).toMatchObject({ due: 2, fired: 1, deferred: 1 });
  });

  it('emits breaches by clock (first rung) and the run counters as EMF metrics', () => {
    const added: [string, number][] = [];
    const singles: { dims: Record<string, string>; name: string; value: number }[] = [];
    const metrics = {
      addMetric: (name: string, _unit: string, value: number) => added.push([name, value]),
      publishStoredMetrics: () => {},
      singleMetric: () => {
        const dims: Record<string, string> = {};
        return {
          addDimension: (k: string, v: string) => {
            dims[k] = v;
          },
          addMetric: (name: string, _u: string, value: number) => singles.push({ dims, name, value }),
        };
      },
    };
    const fired = [
      { caseId: 'a', stepId: 'ack:lead', kind: 'escalate', clock: 'acknowledge', level: 'lead', rung: 0 },
      {
        caseId: 'b',
        stepId: 'ack:manager',
        kind: 'escalate',
        clock: 'acknowledge',
        level: 'manager',
        rung: 1,
      },
      { caseId: 'c', stepId: 'res:lead', kind: 'escalate', clock: 'resolve', level: 'lead', rung: 0 },
      { caseId: 'd', stepId: 'ack:warn', kind: 'warn', clock: 'acknowledge' },
    ].map((f) => ({ severity: 'critical', teamId: 'orders', lagMs: 1000, ...f })) as never[];
    const result = { due: 4, fired, errors: 0, deferred: 0 } as never;
    recordMetrics(metrics as never, result, { fired: 4, durationMs: 12, maxLagMs: 1000 } as never);
    expect(Object.fromEntries(added)).toMatchObject({
      SlaDueCases: 4,
      SlaStepsFired: 4,
      SlaWarnings: 1,
      SlaEscalations: 3,
    });
    expect(singles).toEqual([
      { dims: { clock: 'acknowledge' }, name: 'SlaBreaches', value: 1 },
      { dims: { clock: 'resolve' }, name: 'SlaBreaches', value: 1 },
    ]);
  });
});

describe('the notices the sweep queues', () => {
  it('fit the notify queue contract and the notify templates (staff warning, escalation, follow-up)', async () => {
    store(unacknowledged('case_n1'));
    store({
      c: aCase('case_n2', { status: 'resolved' }),
      timeline: [ev('opened', openedAt, { receivedAt: openedAt }), ev('resolved', jst('2026-11-24 16:00'))],
      dueStep: 'follow_up',
      dueAt: jst('2026-12-01 16:00'),
    });
    listDue('T#10', [['case_n1', 'case_n2']]);
    await sweepDue(new Date(jst('2026-12-01 16:00')), deps());
    const messages = transactions().flatMap((t) =>
      t
        .TransactItems!.filter((i) => i.Put?.Item?.type === 'outbox' && i.Put.Item.target === 'notify')
        .map((i) => i.Put!.Item!.message),
    );
    expect(new Set(messages.map((m) => m.kind))).toEqual(
      new Set(['staff_pre_breach', 'staff_escalation', 'customer_follow_up']),
    );
    for (const m of messages) {
      expect(noticeRequested.schema.safeParse(m).success, m.noticeId).toBe(true);
      expect(() => parseNoticeData(m.kind, m.data), m.noticeId).not.toThrow();
    }
  });
});

describe('the sweep: timers set to "recheck" by a writer without the config', () => {
  it('fires the step the timeline calls for (a bad follow-up answer escalates at once)', async () => {
    const reopenedAt = jst('2026-12-02 10:00');
    store({
      c: aCase('case_bad', { status: 'reopened' }),
      timeline: [
        ev('opened', openedAt, { receivedAt: openedAt }),
        ev('acknowledged', jst('2026-11-24 10:00')),
        ev('resolved', jst('2026-11-24 16:00')),
        ev('follow_up_sent', jst('2026-12-01 16:00'), { stepId: 'follow_up' }),
        ev('verified', reopenedAt, { verdict: 'bad' }),
        ev('reopened', reopenedAt, { reason: 'follow_up_bad' }),
      ],
      ...(({ dueAt, dueStep }) => ({ dueAt, dueStep }))(recheckTimerFields('case_bad', new Date(reopenedAt))),
    });
    listDue('T#12', [['case_bad']]);
    const result = await sweepDue(new Date(jst('2026-12-02 10:01')), deps());
    expect(result.fired.map((f) => f.stepId)).toEqual(['r1:reopen:lead']);
    const [tx] = transactions();
    expect(tx!.TransactItems![0]!.Update!.ExpressionAttributeValues).toMatchObject({
      ':expectedDueStep': 'recheck',
      ':dueStep': 'r1:ack:warn',
    });
    expect(tx!.TransactItems![2]!.Put!.Item!.message).toMatchObject({
      kind: 'staff_escalation',
      to: [{ memberId: 'tanaka' }],
      data: { level: 'lead', clock: 'acknowledge' },
    });
  });

  it('re-times the case when nothing is due yet (an acknowledgment by link)', async () => {
    const s = unacknowledged('case_ack');
    store({
      ...s,
      c: { ...s.c, status: 'acknowledged' },
      timeline: [...s.timeline, ev('acknowledged', jst('2026-11-24 10:00'))],
      dueStep: 'recheck',
      dueAt: jst('2026-11-24 10:00'),
    });
    listDue('T#12', [['case_ack']]);
    const result = await sweepDue(new Date(jst('2026-11-24 10:01')), deps());
    expect(result).toMatchObject({ retimed: 1, fired: [] });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':expectedDueStep': 'recheck',
      ':dueStep': 'res:warn',
      ':dueAt': jst('2026-11-25 12:30'),
    });
  });
});
