import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StaffDirectory } from '../../cli/adapters/cognito.ts';
import { workQueueName } from '../../cli/names.ts';
import { run } from '../../cli/program.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { HOUR_MS, MINUTE_MS } from '../../shared/domain/time.ts';
import { criticalFeedback, sesEmails } from '../reliability/loop.ts';
import { errors, FaultInjector, type WithMiddleware } from '../support/faults.ts';
import { countItems, drainQueue, eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * The intake reconciler (core/delivery/reconcile.ts) against DynamoDB Local and fauxqs: the stack
 * runs no pumps, so each test decides what the stream, triage and notify do, and reads the queues.
 */
const dynamodb = new FaultInjector('dynamodb', 91);
let cutting = false;
// While cutting: the first BatchGetItem goes through, every later one fails (a run dies midway).
const cut = dynamodb.add({
  commands: ['BatchGetItemCommand'],
  when: () => cutting,
  afterCalls: 1,
  error: [errors.sqsUnavailable],
});
let unstamped = false;
// While unstamped: the relay's relayedAt stamps fail (it forwarded, then could not say so).
const stampsLost = dynamodb.add({
  commands: ['UpdateItemCommand'],
  when: () => unstamped,
  match: (input) => String((input.Key as { pk?: unknown } | undefined)?.pk).startsWith('OUTBOX#'),
  error: [errors.sqsUnavailable],
});
let s: LocalStack;
let posted = 0;

beforeAll(async () => {
  s = await startTestStack({
    clock: new VirtualClock(new Date('2026-11-24T00:30:00.000Z')),
    pumps: false,
    schedule: false,
    onClient: (name, client) => {
      if (name === 'dynamodb') dynamodb.attach(client as unknown as WithMiddleware);
    },
  });
});
afterAll(async () => {
  await s?.stop();
});
// Each test starts with the reconciler caught up, the stream and the queues empty.
beforeEach(async () => {
  s.clock.advance(24 * HOUR_MS);
  await s.reconcile();
  await s.streamPump.dropPending();
  for (const queue of [s.queues.triage, s.queues.staffNotices, s.queues.customerNotices]) {
    await drainQueue(s.sqs, queue.url);
  }
});

/** Posts `n` feedback whose stream records are then lost (the Pipe and the relay down past 24 h). */
async function postLost(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const response = await postFeedback(
      s,
      criticalFeedback(posted),
      { 'idempotency-key': `rec-${posted++}` },
      {
        key: 'server',
      },
    );
    expect(response.status).toBe(202);
    ids.push(((await response.json()) as { feedbackId: string }).feedbackId);
  }
  await s.streamPump.dropPending();
  return ids;
}

/** Lets triage take what is on its queue until `more` further feedback carry a marker. */
async function triageQueued(more: number): Promise<void> {
  const target = (await countItems(s, 'triaged')) + more;
  await eventually(async () => {
    await s.triagePump.pollOnce();
    expect(await countItems(s, 'triaged')).toBe(target);
  });
}

const triageIds = async () =>
  ((await drainQueue(s.sqs, s.queues.triage.url)) as { feedbackId: string }[]).map((m) => m.feedbackId);

describe('the intake reconciler (invariant 1)', () => {
  it('re-queues feedback without a triage marker once it is 10 minutes old, and only once', async () => {
    const ids = await postLost(3);

    s.clock.advance(9 * MINUTE_MS);
    const young = await s.reconcile();
    const queuedYoung = await triageIds();
    s.clock.advance(2 * MINUTE_MS);
    const old = await s.reconcile();
    const queuedOld = await triageIds();
    const again = await s.reconcile();

    expect(young.feedbackRequeued).toBe(0);
    expect(queuedYoung).toEqual([]);
    expect(old).toMatchObject({ feedbackChecked: 3, feedbackRequeued: 3, caughtUp: true });
    expect(queuedOld.sort()).toEqual([...ids].sort());
    expect(again).toMatchObject({ feedbackChecked: 0, feedbackRequeued: 0 });
  });

  it('leaves triaged feedback alone, forwards the outbox items never relayed, and leaves them alone once stamped', async () => {
    const [triagedId] = await postLost(1);
    // Triage runs on the reconciler's message; its outbox items' stream records are lost too.
    s.clock.advance(11 * MINUTE_MS);
    await s.reconcile();
    await triageQueued(1);
    await s.streamPump.dropPending();

    s.clock.advance(11 * MINUTE_MS);
    const first = await s.reconcile();
    const notices = [
      ...(await drainQueue(s.sqs, s.queues.staffNotices.url)),
      ...(await drainQueue(s.sqs, s.queues.customerNotices.url)),
    ] as { caseId: string; kind: string }[];
    const second = await s.reconcile();

    expect(first.feedbackRequeued).toBe(0);
    expect(first.outboxForwarded).toBe(first.outboxChecked);
    expect(notices.length).toBeGreaterThan(0);
    expect(new Set(notices.map((n) => n.caseId))).toEqual(new Set([caseIdFor(triagedId!)]));
    expect(s.bus.events.filter((e) => e.detailType === 'case.opened').map((e) => e.detail.caseId)).toContain(
      caseIdFor(triagedId!),
    );
    expect(second).toMatchObject({ feedbackRequeued: 0, outboxForwarded: 0 });
  });

  it('resumes where a run failed halfway, so across both runs each feedback is re-queued once', async () => {
    // Three hours of lost feedback: the run checks them hour by hour, one marker read per hour.
    const ids = await postLost(2);
    s.clock.advance(HOUR_MS);
    ids.push(...(await postLost(2)));
    s.clock.advance(HOUR_MS);
    ids.push(...(await postLost(2)));
    s.clock.advance(11 * MINUTE_MS);

    cutting = true;
    const failed = await s.reconcile().then(
      () => undefined,
      (error: unknown) => error,
    );
    cutting = false;
    const firstQueued = await triageIds();
    const resumed = await s.reconcile();
    const secondQueued = await triageIds();

    expect(failed).toBeInstanceOf(Error);
    expect(cut.hits).toBeGreaterThan(0);
    expect(firstQueued).toHaveLength(2);
    expect(resumed).toMatchObject({ feedbackRequeued: 4, caughtUp: true });
    expect([...firstQueued, ...secondQueued].sort()).toEqual([...ids].sort());
  });

  it('sends every notice once when it forwards what the live relay already sent', async () => {
    const ids = await postLost(2);
    s.clock.advance(11 * MINUTE_MS);
    await s.reconcile();
    await triageQueued(ids.length);
    await fetch(`${s.endpoints.ses}/clear-store`, { method: 'POST' });

    // The relay is back: it forwards every outbox item but cannot stamp them, so the reconciler,
    // running meanwhile, forwards them all again.
    unstamped = true;
    await s.streamPump.pollOnce();
    unstamped = false;
    s.clock.advance(11 * MINUTE_MS);
    const [run] = await Promise.all([s.reconcile(), s.streamPump.pollOnce()]);
    await eventually(async () => {
      let handled = 0;
      for (const pump of s.notifyPump.pumps) handled += await pump.pollOnce();
      expect(handled).toBe(0);
    });
    const emails = await sesEmails(s);

    expect(stampsLost.hits).toBeGreaterThan(0);
    expect(run.outboxForwarded).toBe(stampsLost.hits);
    // Each critical detractor asks for three emails: the customer, the assignee and the team inbox.
    expect(emails).toHaveLength(3 * ids.length);
    expect(new Set(emails.map((e) => `${e.to}|${e.subject}`)).size).toBe(emails.length);
  });

  it('runs by hand as closeloop reconcile: a dry run counts and sends nothing, a run re-queues to the stage queue', async () => {
    const ids = await postLost(2);
    s.clock.advance(11 * MINUTE_MS);
    // The deployed queues' names, in fauxqs: closeloop-dev-triage and the two notify queues.
    const urls = new Map<string, string>();
    for (const key of ['triage', 'staffNotices', 'customerNotices'] as const) {
      const name = workQueueName('dev', key);
      urls.set(key, (await s.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!);
    }
    const cli = async (argv: string[]) => {
      const out: string[] = [];
      const code = await run([...argv, '--table', s.tableName], {
        out: (text) => out.push(text),
        err: (text) => out.push(text),
        clock: s.clock,
        aws: () => ({
          dynamodb: new DynamoDBClient({}),
          db: s.db,
          sqs: s.sqs,
          events: new EventBridgeClient({}),
          secrets: new SecretsManagerClient({}),
          staff: {} as StaffDirectory,
        }),
      });
      return { code, out: out.join('') };
    };

    const dry = await cli(['reconcile', '--dry-run']);
    const afterDry = await drainQueue(s.sqs, urls.get('triage')!);
    const real = await cli(['reconcile']);
    const queued = (await drainQueue(s.sqs, urls.get('triage')!)) as { feedbackId: string }[];

    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: nothing sent');
    expect(dry.out).toContain('would re-queue 2 of 2 feedback');
    expect(afterDry).toEqual([]);
    expect(real.code).toBe(0);
    expect(real.out).toContain('re-queued 2 of 2 feedback');
    expect(queued.map((m) => m.feedbackId).sort()).toEqual([...ids].sort());
  });
});
