import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoSlaStore, stepTransaction } from '../../shared/adapters/sla-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { type Case, caseIdFor, type TimelineEvent } from '../../shared/domain/case.ts';
import type { StoredCase } from '../../shared/domain/sla-ports.ts';
import { noticeIdOf } from '../../shared/events/notice-requested.ts';
import { caseKey, toCaseItem, toEventItem } from '../../shared/repository/case-item.ts';
import { timerFieldsFor, timerShardOf } from '../../shared/repository/case-timer.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * The SLA engine on the local stack: real DynamoDB Local (the timers index, transactions,
 * conditions), the same sweep as the Lambda function, driven by the virtual clock. The clock
 * starts on Tuesday 2026-11-24 09:30 JST (a working day on the Tokyo calendar, 09:00–18:00), so
 * every due time below is known: critical policy = acknowledge 120 business minutes, resolve
 * 960, warn at 75 %, ladder lead +0 / manager +60 / executive +120; follow-up after 7 days.
 */
const start = new Date('2026-11-24T00:30:00.000Z');
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();

let stack: LocalStack;
let store: ReturnType<typeof dynamoSlaStore>;
beforeAll(async () => {
  // The real-time minute schedule is off: the test runs every sweep itself.
  stack = await startTestStack({ clock: new VirtualClock(start), schedule: false });
  store = dynamoSlaStore(stack.db, stack.tableName);
});
afterAll(async () => {
  await stack?.stop();
});

/** POST /__local/clock: the schedule (the sweep) runs once per virtual minute. */
async function advance(minutes: number): Promise<void> {
  const response = await fetch(`${stack.url}/__local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMinutes: minutes }),
  });
  expect(response.status).toBe(200);
}

/** Jump the clock to `iso` without running the schedule (only where nothing can be due). */
function jumpTo(iso: string) {
  const ms = Date.parse(iso) - stack.clock.now().getTime();
  expect(ms).toBeGreaterThanOrEqual(0);
  stack.clock.advance(ms);
}

/** Advance minute by minute until the clock shows `iso`. */
async function advanceTo(iso: string) {
  const minutes = Math.round((Date.parse(iso) - stack.clock.now().getTime()) / 60_000);
  expect(minutes).toBeGreaterThanOrEqual(0);
  await advance(minutes);
  expect(stack.clock.now().toISOString()).toBe(iso);
}

async function load(caseId: string): Promise<StoredCase> {
  const s = await store.load(caseId);
  if (!s) throw new Error(`no case ${caseId}`);
  return s;
}

/** Step events (with data.stepId) of a case: [stepId, type, at]. */
async function steps(caseId: string) {
  const { timeline } = await load(caseId);
  return timeline.filter((e) => typeof e.data.stepId === 'string').map((e) => [e.data.stepId, e.type, e.at]);
}

/**
 * A staff action as the staff API writes it: the case (conditional on its version, version + 1,
 * its SLA timer recomputed from the new timeline) and its timeline event, in one transaction.
 */
async function staffAction(caseId: string, type: 'acknowledged' | 'resolved', status: Case['status']) {
  const s = await load(caseId);
  const at = stack.clock.now();
  const event: TimelineEvent = { at: at.toISOString(), type, actor: 'staff:test', via: 'test', data: {} };
  const set = { status, version: s.case.version + 1, updatedAt: at.toISOString() };
  const timer = timerFieldsFor({ ...s.case, ...set }, [...s.timeline, event], stack.config);
  const items = stepTransaction(stack.tableName, {
    caseId,
    at,
    expected: { version: s.case.version, dueStep: s.timer.dueStep },
    set,
    timer,
    event,
    eventIndex: 0,
    outbox: [],
    counters: [],
  });
  // A staff action's event takes sort-key seq 00 (the sweep's are 90+).
  items[1] = { Put: { TableName: stack.tableName, Item: toEventItem(caseId, event, 0) } };
  await stack.db.send(new TransactWriteCommand({ TransactItems: items }));
}

async function outboxNotice(caseId: string, kind: Parameters<typeof noticeIdOf>[1], step: string) {
  const { Item } = await stack.db.send(
    new GetCommand({
      TableName: stack.tableName,
      Key: { pk: `OUTBOX#notice:${noticeIdOf(caseId, kind, step)}`, sk: 'OUTBOX' },
      ConsistentRead: true,
    }),
  );
  return Item?.message as {
    kind: string;
    to: { email: string; memberId?: string }[];
    data: Record<string, unknown>;
  };
}

async function openCase(key: string, email: string): Promise<string> {
  const response = await postFeedback(
    stack,
    {
      siteId: 'shop-jp',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      rating: { type: 'nps', score: 0 },
      comment: '二重請求されました。確認してください',
      reasons: ['payment_method_unavailable'],
      customer: { email, name: '山田 花子', locale: 'ja', contactConsent: true },
    },
    { 'idempotency-key': key },
    // The shop's backend vouches for its customer, so no double opt-in holds the notices.
    { key: 'server' },
  );
  expect(response.status).toBe(202);
  const caseId = caseIdFor(((await response.json()) as { feedbackId: string }).feedbackId);
  await eventually(async () => {
    const { Item } = await stack.db.send(
      new GetCommand({ TableName: stack.tableName, Key: caseKey(caseId), ConsistentRead: true }),
    );
    expect(Item?.dueStep).toBe('ack:warn');
  }, 20_000);
  return caseId;
}

describe('two sweeps at once', () => {
  it('fire each step once, however many are due (seeded overdue cases climb the whole ladder)', async () => {
    // 30 critical cases opened the previous Friday 09:00 JST and never acknowledged: at 09:30
    // today every acknowledge step (warn, lead, manager, executive) is overdue.
    const opened = jst('2026-11-20 09:00');
    const ids = Array.from({ length: 30 }, (_, i) => `case_seed${i}`);
    for (const caseId of ids) {
      const c: Case = {
        caseId,
        feedbackId: `fb_seed`,
        status: 'open',
        severity: 'critical',
        sentiment: 'negative',
        category: 'payment',
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        teamId: 'orders',
        assigneeId: 'ito',
        routedBy: 'seed',
        acknowledgeBy: jst('2026-11-20 11:00'),
        resolveBy: jst('2026-11-23 10:00'),
        escalationLevel: 0,
        version: 1,
        createdAt: opened,
        updatedAt: opened,
        siteId: 'shop-jp',
        customerLocale: 'ja',
        contactConsent: false,
      };
      const events: TimelineEvent[] = [
        { at: opened, type: 'opened', actor: 'seed', via: 'test', data: { receivedAt: opened } },
      ];
      await stack.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: stack.tableName,
                Item: { ...toCaseItem(c), ...timerFieldsFor(c, events, stack.config) },
              },
            },
            { Put: { TableName: stack.tableName, Item: toEventItem(caseId, events[0]!, 0) } },
          ],
        }),
      );
    }

    const now = stack.clock.now();
    const [a, b] = await Promise.all([stack.sweepSla(now), stack.sweepSla(now)]);
    expect(a.errors + b.errors).toBe(0);
    // Both saw the whole due set; each step still fired once in all.
    expect([a.due, b.due]).toEqual([30, 30]);
    expect(a.fired.length + b.fired.length).toBe(30 * 4);

    for (const caseId of ids) {
      const fired = await steps(caseId);
      expect(fired.map(([id]) => id)).toEqual(['ack:warn', 'ack:lead', 'ack:manager', 'ack:executive']);
      const s = await load(caseId);
      expect(s.case).toMatchObject({ version: 5, escalationLevel: 3 });
      expect(s.timer).toEqual({}); // no step left: out of the timers index
    }
    // Nothing is left for a third sweep.
    expect((await stack.sweepSla(now)).fired).toEqual([]);
  });
});

describe('an unacknowledged critical case climbs the ladder; acknowledging and resolving stop it', () => {
  let a: string;
  let b: string;
  const orders = () => stack.config.teams.find((t) => t.id === 'orders')!;

  beforeAll(async () => {
    a = await openCase('sla-a', 'a@example.jp');
    b = await openCase('sla-b', 'b@example.jp');
  });

  it('opens both cases with their first step in the timers index', async () => {
    for (const caseId of [a, b]) {
      const s = await load(caseId);
      expect(s.case).toMatchObject({ status: 'open', severity: 'critical', teamId: 'orders' });
      expect(s.case.acknowledgeBy).toBe(jst('2026-11-24 11:30'));
      expect(s.timer).toEqual({
        timerShard: timerShardOf(caseId),
        dueAt: jst('2026-11-24 11:00'),
        dueStep: 'ack:warn',
      });
    }
  });

  // Hundreds of virtual minutes, each a sweep: over the default 30 s on a busy 2-CPU machine.
  it('warns at 75 % and climbs lead → manager → executive at the configured times, each once', async () => {
    await advanceTo(jst('2026-11-24 10:00'));
    expect(await steps(a)).toEqual([]);
    await staffAction(b, 'acknowledged', 'acknowledged'); // b: acknowledged early

    await advanceTo(jst('2026-11-24 10:59'));
    expect(await steps(a)).toEqual([]);
    await advanceTo(jst('2026-11-24 11:00'));
    expect(await steps(a)).toEqual([['ack:warn', 'warned', jst('2026-11-24 11:00')]]);
    await advanceTo(jst('2026-11-24 11:29'));
    expect(await steps(a)).toHaveLength(1);
    await advanceTo(jst('2026-11-24 11:30'));
    await advanceTo(jst('2026-11-24 12:29'));
    expect((await steps(a)).map(([id]) => id)).toEqual(['ack:warn', 'ack:lead']);
    await advanceTo(jst('2026-11-24 14:00'));

    expect(await steps(a)).toEqual([
      ['ack:warn', 'warned', jst('2026-11-24 11:00')],
      ['ack:lead', 'escalated', jst('2026-11-24 11:30')],
      ['ack:manager', 'escalated', jst('2026-11-24 12:30')],
      ['ack:executive', 'escalated', jst('2026-11-24 13:30')],
    ]);
    const escalations = (await load(a)).timeline.filter((e) => e.type === 'escalated');
    expect(escalations.map((e) => [e.data.level, e.data.clock, e.data.deadline, e.data.assigneeId])).toEqual(
      ['lead', 'manager', 'executive'].map((level) => [
        level,
        'acknowledge',
        jst('2026-11-24 11:30'),
        escalations[0]?.data.assigneeId as string,
      ]),
    );
    expect((await load(a)).case.escalationLevel).toBe(3);

    // One notice per rung, queued through the outbox in the same transaction as its event.
    const team = orders();
    const emailOf = (id: string) => team.members.find((m) => m.id === id)!.email;
    const assignee = (await load(a)).case.assigneeId;
    expect((await outboxNotice(a, 'staff_pre_breach', 'ack:warn')).to.map((r) => r.email)).toEqual([
      emailOf(assignee),
    ]);
    expect((await outboxNotice(a, 'staff_escalation', 'ack:lead')).to.map((r) => r.email)).toEqual([
      emailOf(team.leadId),
    ]);
    expect((await outboxNotice(a, 'staff_escalation', 'ack:manager')).to.map((r) => r.email)).toEqual([
      emailOf(team.managerId),
    ]);
    expect((await outboxNotice(a, 'staff_escalation', 'ack:executive')).to.map((r) => r.email)).toEqual(
      stack.config.executives.map((e) => e.email),
    );
  }, 180_000);

  it('gives the case acknowledged early no acknowledge warning or rung', async () => {
    expect(await steps(b)).toEqual([]);
    const s = await load(b);
    expect(s.case).toMatchObject({ status: 'acknowledged', escalationLevel: 0 });
    // Its resolve clock is next: 720 business minutes = Wed 12:30.
    expect(s.timer.dueStep).toBe('res:warn');
    expect(s.timer.dueAt).toBe(jst('2026-11-25 12:30'));
  });

  it('stops every rung once resolved: the resolve ladder never starts for a, stops after the warning for b', async () => {
    await staffAction(a, 'acknowledged', 'acknowledged');
    // Nothing is due overnight (a and b: res:warn Wed 12:30).
    jumpTo(jst('2026-11-25 11:55'));
    await advanceTo(jst('2026-11-25 12:00'));
    await staffAction(a, 'resolved', 'resolved');
    await advanceTo(jst('2026-11-25 12:30'));
    expect((await steps(b)).map(([id]) => id)).toEqual(['res:warn']);
    await staffAction(b, 'resolved', 'resolved');
    // Past b's resolve deadline (16:30) and every rung after it (17:30, Thu 09:30).
    await advanceTo(jst('2026-11-25 18:00'));
    jumpTo(jst('2026-11-26 09:00'));
    await advanceTo(jst('2026-11-26 10:00'));
    expect((await steps(a)).map(([id]) => id)).toEqual([
      'ack:warn',
      'ack:lead',
      'ack:manager',
      'ack:executive',
    ]);
    expect((await steps(b)).map(([id]) => id)).toEqual(['res:warn']);
    expect((await load(a)).timer).toMatchObject({ dueStep: 'follow_up', dueAt: jst('2026-12-02 12:00') });
  });

  it('sends the follow-up survey once after 7 days, then closes the unanswered case as unverified', async () => {
    jumpTo(jst('2026-12-02 11:55'));
    await advanceTo(jst('2026-12-02 12:40'));
    const followUps = (await steps(a)).filter(([id]) => id === 'follow_up');
    expect(followUps).toEqual([['follow_up', 'follow_up_sent', jst('2026-12-02 12:00')]]);
    // b was resolved half an hour later.
    expect((await steps(b)).filter(([id]) => id === 'follow_up')).toEqual([
      ['follow_up', 'follow_up_sent', jst('2026-12-02 12:30')],
    ]);
    const notice = await outboxNotice(a, 'customer_follow_up', 'follow_up');
    expect(notice).toMatchObject({ kind: 'customer_follow_up', to: [{ email: 'a@example.jp' }] });
    expect((await load(a)).timer).toMatchObject({ dueStep: 'auto_close', dueAt: jst('2026-12-09 12:00') });

    jumpTo(jst('2026-12-09 11:58'));
    await advanceTo(jst('2026-12-09 12:02'));
    const s = await load(a);
    expect(s.case.status).toBe('closed');
    expect(
      s.timeline.filter((e) => e.type === 'closed').map((e) => [e.at, e.data.reason, e.data.stepId]),
    ).toEqual([[jst('2026-12-09 12:00'), 'unverified', 'auto_close']]);
    // Closed: the one timer left is the purge, 400 days (closedCaseRetentionDays) after the close.
    expect(s.timer).toMatchObject({ dueStep: 'purge', dueAt: '2028-01-13T03:00:00.000Z' });
    expect((await steps(a)).filter(([id]) => id === 'follow_up')).toHaveLength(1);
  });

  it('deletes the closed case with its whole timeline 400 days after it closed, not a minute before', async () => {
    const partition = async (caseId: string) =>
      (
        await stack.db.send(
          new QueryCommand({
            TableName: stack.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': caseKey(caseId).pk },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];
    const itemsBefore = (await partition(a)).length;
    expect(itemsBefore).toBeGreaterThan(10);

    jumpTo('2028-01-13T02:58:00.000Z');
    await advanceTo('2028-01-13T02:59:00.000Z');
    expect(await partition(a)).toHaveLength(itemsBefore);
    await advanceTo('2028-01-13T03:01:00.000Z');

    expect(await partition(a)).toEqual([]);
    // b was closed by the sweep at the jump just now: kept another 400 days.
    expect((await load(b)).case.status).toBe('closed');
    expect((await load(b)).timer.dueStep).toBe('purge');
  });

  it('finishes a purge that stopped half-way (some timeline deleted, the case item left) at the next sweep', async () => {
    const events = (await load(b)).timeline.length;
    const [first] = (
      await stack.db.send(
        new QueryCommand({
          TableName: stack.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
          ExpressionAttributeValues: { ':pk': caseKey(b).pk, ':event': 'EVENT#' },
          Limit: 1,
        }),
      )
    ).Items!;
    await stack.db.send(
      new DeleteCommand({ TableName: stack.tableName, Key: { pk: first!.pk, sk: first!.sk } }),
    );
    expect((await load(b)).timeline).toHaveLength(events - 1);

    const purgeAt = (await load(b)).timer.dueAt!;
    jumpTo(new Date(Date.parse(purgeAt) - 60_000).toISOString());
    await advanceTo(new Date(Date.parse(purgeAt) + 60_000).toISOString());

    expect(await store.load(b)).toBeUndefined();
  });
});
